# AE2 Break Eggs (4 phases): ego/exo videos with split lists.
# Train 61 ego / 57 exo videos, val 5/5, test 10/10.
_base_ = './egoexo.py'
data_settings = dict(
    data_root='data/ae2/break_eggs',
    layout='csv',  # split lists <data_root>/{ego,exo}/{train,val,test}.csv
    cache_dir='data/cache/frames',
    frame_size=224)
clip_len = 32  # frames per training clip

# written into every loader (as in synthetic_egoexo.py)
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=clip_len, random_offset=1),
    dict(type='LoadClipFromCache'),
    dict(type='PackEgoExoInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **data_settings))
val_dataloader = dict(dataset=data_settings)
test_dataloader = dict(dataset=data_settings)
fit_dataloader = dict(dataset=data_settings)
val_cfg = dict(fit_dataloader=fit_dataloader)
test_cfg = dict(fit_dataloader=fit_dataloader)
