# Synthetic ego-exo benchmark (5 phases), AE2 csv layout.
# Written by tools/data/generate_synthetic_egoexo.py; small frames, batch 4.
_base_ = './egoexo.py'
data_settings = dict(
    data_root='data/synthetic_egoexo',
    layout='csv',  # split lists <data_root>/{ego,exo}/{train,val,test}.csv
    cache_dir='data/cache/frames',
    frame_size=64)  # every frame of every view is resized to frame_size x frame_size
clip_len = 16  # frames per training clip

# Written into every loader: a config that changes them writes these lines again (lists
# such as the pipelines are replaced whole on inheritance, dicts merged).
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=clip_len, random_offset=1),
    dict(type='LoadClipFromCache'),
    dict(type='PackEgoExoInputs'),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline, **data_settings))
val_dataloader = dict(dataset=data_settings)
test_dataloader = dict(dataset=data_settings)
fit_dataloader = dict(dataset=data_settings)
val_cfg = dict(fit_dataloader=fit_dataloader)
test_cfg = dict(fit_dataloader=fit_dataloader)
