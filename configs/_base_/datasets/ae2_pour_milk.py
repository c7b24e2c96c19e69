# AE2 Pour Milk (3 phases): split folders.
# Train 29 ego / 48 exo videos, val 4/8, test 7/16.
_base_ = './egoexo.py'
data_settings = dict(
    data_root='data/ae2/pour_milk',
    layout='folders',  # split folders <data_root>/{train,val,test}/{ego,exo}/*.mp4
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
