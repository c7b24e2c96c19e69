# AE2 Tennis Forehand (2 phases): ego/exo videos with split lists.
# Train 94 ego / 79 exo videos, val 25/24, test 50/50.
_base_ = './egoexo.py'
data_settings = dict(
    data_root='data/ae2/tennis_forehand',
    layout='csv',  # split lists <data_root>/{ego,exo}/{train,val,test}.csv
    cache_dir='data/cache/frames',
    frame_size=224)
clip_len = 20  # frames per training clip, as the reference

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
