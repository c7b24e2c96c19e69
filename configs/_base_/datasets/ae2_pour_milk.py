# AE2 Pour Milk (3 phases): split folders.
# Train 29 ego / 48 exo videos, val 4/8, test 7/16.
_base_ = './egoexo.py'
data_root = 'data/ae2/pour_milk'
layout = 'folders'  # split folders <data_root>/{train,val,test}/{ego,exo}/*.mp4
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
