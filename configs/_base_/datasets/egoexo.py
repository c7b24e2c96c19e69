# An ego-exo dataset in AE2's layout: the base of every dataset config (docs/data.md).
# Set what differs at the top of your own config; byov's tools copy these settings into
# every loader that leaves them unset (None), and --data-root / --cache-dir set them all.
data_root = None  # the dataset folder (holds label.pickle)
layout = 'auto'  # 'csv': <data_root>/{ego,exo}/{train,val,test}.csv lists the videos;
#                  'folders': <data_root>/{train,val,test}/{ego,exo}/*.mp4; 'auto': detect
cache_dir = 'data/cache/frames'  # decoded frames, once per video (never the data folder)
num_frames = 32  # frames per training clip
frame_size = 224  # every frame of every view is resized to frame_size x frame_size
# Protocol option (AE2): phase progression appends frame index x 1e-3 to each embedding.
# AE2 does this on Pour Liquid only; it hands the regressor absolute time.
progression_append_time = False

dataset_type = 'EgoExoPairDataset'
video_dataset_type = 'EgoExoVideoDataset'
# data_root, cache_dir, frame_size, layout and num_frames are filled from the top
data_settings = dict(data_root=None, cache_dir=None, frame_size=None)
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=None, random_offset=1),
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
# append_time of PhaseProgressionMetric comes from progression_append_time above.
ego_exo_metrics = [
    dict(type='PhaseClassificationMetric'),
    dict(type='FrameRetrievalMetric', k=10),
    dict(type='PhaseProgressionMetric'),
    dict(type='KendallsTauMetric', stride=5),
]
val_evaluator = ego_exo_metrics
test_evaluator = ego_exo_metrics
val_cfg = dict(type='EgoExoValLoop', fit_dataloader=fit_dataloader)
test_cfg = dict(type='EgoExoTestLoop', fit_dataloader=fit_dataloader)
