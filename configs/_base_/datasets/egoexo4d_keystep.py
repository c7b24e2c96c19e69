# Ego-Exo4D keystep (docs/egoexo4d.md), read from the released Omnivore video features:
# one "video" is one camera stream of one take (the Aria ego camera, each exo GoPro), one
# step per feature window (32 frames every 16, ~1.9 steps a second), labelled with the
# keystep of label_mapping.csv whose annotated segment contains the window's centre.
# Download (licence required): egoexo -o data/egoexo4d --parts metadata annotations
#   features/omnivore_video --benchmarks keystep ; check: python tools/data/check_dataset.py
#   data/egoexo4d
egoexo4d_root = 'data/egoexo4d'  # the download folder (egoexo -o)
feature_dim = 1536  # Omnivore Swin-L's video features; the dataset checks every file's
clip_len = 32  # feature steps per training clip
# What every loader reads; the evaluation and the ceiling share `background`.
data_settings = dict(
    data_root=egoexo4d_root,
    cache_dir='data/cache/egoexo4d',  # the split index, built once (not the data folder)
    feature_dim=feature_dim,
    views=('ego', 'exo'),
    exo_cameras=None,  # every exo GoPro of a take; or a list such as ['cam01', 'cam02']
    scenarios=None,  # every keystep scenario; or a list of scenario names
    # steps in no keystep of the label mapping: 'class' (label = number of classes) or
    # 'drop' (left out of the streams)
    background='class',
    # a take with missing / damaged features or annotation times outside the take:
    # 'error' lists them all and stops before training; 'skip' leaves them out
    on_damage='error')

train_pipeline = [
    dict(type='SampleClipFrames', num_frames=clip_len, random_offset=1),
    dict(type='LoadEgoExo4DClipFeatures'),
    dict(type='PackEgoExoInputs'),
]
video_pipeline = [dict(type='LoadEgoExo4DVideoFeatures'), dict(type='PackEgoExoInputs')]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='EpochAwareSampler', shuffle=True),
    # 'unpaired': the ego stream of one take and an exo stream of another take of the
    # same scenario (AE2's setting); 'synchronised': the ego and one exo stream of the
    # same take at the same moments
    dataset=dict(type='EgoExo4DPairDataset', split='train', pairing='unpaired',
                 pipeline=train_pipeline, **data_settings))
video_loader = dict(
    batch_size=1,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='EgoExo4DKeystepDataset', pipeline=video_pipeline, **data_settings))
# The benchmark scores the val split (its test split is released without labels).
val_dataloader = dict(video_loader, dataset=dict(video_loader['dataset'], split='val'))
test_dataloader = val_dataloader
fit_dataloader = dict(video_loader, dataset=dict(video_loader['dataset'], split='train'))

# The keystep recognition protocol (ego segments of val, top-1, a linear probe fitted on
# train segments of every view) and the four ego-exo tasks on per-step keystep labels;
# Kendall's tau compares the streams of one take (different takes order keysteps
# differently).
keystep_metrics = [
    dict(type='KeystepRecognitionMetric'),  # reads the eval split's data_root
    dict(type='PhaseClassificationMetric'),
    dict(type='FrameRetrievalMetric', k=10),
    # 'corrected': each keystep scored where both splits have it (the reference variant
    # needs every class in both splits)
    dict(type='PhaseProgressionMetric', variant='corrected'),
    dict(type='KendallsTauMetric', stride=5, pairs='same_take'),
]
# Validation during training: the keystep protocol alone (the four tasks fit AE2's
# classifiers on every train step: at test time, on the release best on a subset of
# scenarios, docs/egoexo4d.md). val is also the reported split, so the leaf configs
# choose no "best" checkpoint on it (checkpoint save_best=None: test the last one).
val_evaluator = [dict(type='KeystepRecognitionMetric')]
test_evaluator = keystep_metrics
val_cfg = dict(type='EgoExoValLoop', fit_dataloader=fit_dataloader)
test_cfg = dict(type='EgoExoTestLoop', fit_dataloader=fit_dataloader)
