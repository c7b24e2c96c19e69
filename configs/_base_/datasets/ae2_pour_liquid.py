# AE2 Pour Liquid (3 phases): split folders.
# Train 70 ego / 67 exo videos, val 10/9, test 19/18.
_base_ = './egoexo.py'
data_settings = dict(
    data_root='data/ae2/pour_liquid',
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
# AE2's protocol on this dataset: phase progression appends frame index x 1e-3 to each
# embedding (it hands the regressor absolute time)
ego_exo_metrics = [
    dict(type='PhaseClassificationMetric'),
    dict(type='FrameRetrievalMetric', k=10),
    dict(type='PhaseProgressionMetric', append_time=True),
    dict(type='KendallsTauMetric', stride=5),
]
val_evaluator = ego_exo_metrics
test_evaluator = ego_exo_metrics
