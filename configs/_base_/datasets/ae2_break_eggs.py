# AE2 Break Eggs (4 phases): ego/exo videos with split lists.
# Train 61 ego / 57 exo videos, val 5/5, test 10/10.
_base_ = './egoexo.py'
data_root = 'data/ae2/break_eggs'
layout = 'csv'  # split lists <data_root>/{ego,exo}/{train,val,test}.csv
cache_dir = 'data/cache/frames'
num_frames = 32  # frames per training clip
frame_size = 224

# The values above, written into every loader (as in synthetic_egoexo.py).
data_settings = dict(
    data_root=data_root, layout=layout, cache_dir=cache_dir, frame_size=frame_size)
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=num_frames, random_offset=1),
    dict(type='LoadClipFromCache'),
    dict(type='PackEgoExoInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **data_settings))
val_dataloader = dict(dataset=data_settings)
test_dataloader = dict(dataset=data_settings)
fit_dataloader = dict(dataset=data_settings)
val_cfg = dict(fit_dataloader=fit_dataloader)
test_cfg = dict(fit_dataloader=fit_dataloader)
