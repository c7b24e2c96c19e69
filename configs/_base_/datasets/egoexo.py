# An ego-exo dataset in AE2's layout: the base of every dataset config (docs/data.md).
# Every loader below is complete: mmengine's Runner runs it as written. A dataset config
# (ae2_*.py, synthetic_egoexo.py, or your own) sets data_settings and clip_len and
# writes them into the loaders with the lines of synthetic_egoexo.py. (A top-level
# data_root, cache_dir, frame_size or num_frames is byov's tools' word for "every
# loader": they copy it into the loaders, as --data-root / --cache-dir do.)
# What every loader's dataset reads:
data_settings = dict(
    data_root=None,  # the dataset folder (holds label.pickle); a dataset config sets it
    # 'csv': <data_root>/{ego,exo}/{train,val,test}.csv lists the videos;
    # 'folders': <data_root>/{train,val,test}/{ego,exo}/*.mp4; 'auto': detect
    layout='auto',
    cache_dir='data/cache/frames',  # decoded frames, once per video (not the data folder)
    frame_size=224)  # every frame of every view is resized to frame_size x frame_size
clip_len = 32  # frames per training clip (mmaction2's name); model.num_frames reads it

dataset_type = 'EgoExoPairDataset'
video_dataset_type = 'EgoExoVideoDataset'
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=clip_len, random_offset=1),
    dict(type='LoadClipFromCache'),
    dict(type='PackEgoExoInputs'),
]
video_pipeline = [
    dict(type='LoadVideoFromCache'),
    dict(type='PackEgoExoInputs'),
]

# Loading: 2 workers per loader keep the model busy (a training item is two memory-mapped
# gathers; a whole video one copy), each prefetching 2 batches (PyTorch's default
# prefetch_factor; setting it breaks num_workers=0). pin_memory=True speeds up copies to
# the GPU; tools/train.py and tools/test.py switch it off on machines without CUDA.
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    pin_memory=True,
    persistent_workers=True,
    # EpochAwareSampler = DefaultSampler whose indices carry the epoch, so the pair
    # dataset draws new pairs every epoch (see docs/data.md).
    sampler=dict(type='EpochAwareSampler', shuffle=True),
    dataset=dict(type=dataset_type, split='train', pairing='pooled',
                 pipeline=train_pipeline, **data_settings))
video_loader = dict(
    batch_size=1,
    num_workers=2,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=video_dataset_type, pipeline=video_pipeline, **data_settings))
val_dataloader = dict(video_loader, dataset=dict(video_loader['dataset'], split='val'))
test_dataloader = dict(video_loader, dataset=dict(video_loader['dataset'], split='test'))
# The fit split (train) embedded whole video by whole video, for the evaluation loops.
fit_dataloader = dict(video_loader, dataset=dict(video_loader['dataset'], split='train'))

# The ego-exo evaluation protocol (docs/evaluation_protocol.md, reference variant): the
# loops embed the fit split (train) and the eval split (val / test) and run these metrics.
# AE2's protocol option append_time of PhaseProgressionMetric (frame index x 1e-3 appended
# to each embedding, absolute time for the regressor) is on for Pour Liquid only.
ego_exo_metrics = [
    dict(type='PhaseClassificationMetric'),
    dict(type='FrameRetrievalMetric', k=10),
    dict(type='PhaseProgressionMetric', append_time=False),
    dict(type='KendallsTauMetric', stride=5),
]
val_evaluator = ego_exo_metrics
test_evaluator = ego_exo_metrics
val_cfg = dict(type='EgoExoValLoop', fit_dataloader=fit_dataloader)
test_cfg = dict(type='EgoExoTestLoop', fit_dataloader=fit_dataloader)
