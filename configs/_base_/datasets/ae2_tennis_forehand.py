# AE2 Tennis Forehand (2 phases): ego/exo videos with split lists.
# Train 94 ego / 79 exo videos, val 25/24, test 50/50; 20-frame clips as the reference.
# Leaf configs inherit this base and add val_cfg/test_cfg (which take fit_dataloader)
# and the evaluators. Frames are cached once in cache_dir (tools/data/build_frame_cache.py).
dataset_type = 'EgoExoPairDataset'
video_dataset_type = 'EgoExoVideoDataset'
data_root = 'data/ae2/tennis_forehand'
layout = 'csv'  # split lists <data_root>/{ego,exo}/{train,val,test}.csv
cache_dir = 'data/cache/frames'
num_frames = 20  # frames per training clip
frame_size = 224  # every frame of every view is resized to frame_size x frame_size

train_pipeline = [
    dict(type='SampleClipFrames', num_frames=num_frames, random_offset=1),
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
    dataset=dict(
        type=dataset_type, data_root=data_root, split='train', layout=layout,
        cache_dir=cache_dir, frame_size=frame_size, pairing='pooled',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=video_dataset_type, data_root=data_root, split='val', layout=layout,
        cache_dir=cache_dir, frame_size=frame_size, pipeline=video_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=video_dataset_type, data_root=data_root, split='test', layout=layout,
        cache_dir=cache_dir, frame_size=frame_size, pipeline=video_pipeline))
# The fit split (train) embedded whole video by whole video, for the evaluation loops.
fit_dataloader = dict(
    batch_size=1,
    num_workers=2,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=video_dataset_type, data_root=data_root, split='train', layout=layout,
        cache_dir=cache_dir, frame_size=frame_size, pipeline=video_pipeline))

# The evaluation protocol (docs/evaluation_protocol.md, reference variant): the loops embed the
# fit split (train) and the eval split (val / test) and run these metrics.
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
