# The synthetic ego-exo benchmark read as per-frame scene state (scene_state.pickle,
# written by the generator since synthetic_version 3): no pixels are loaded; the frames
# are empty and each frame's state values (with its view, video code and frame index)
# travel in the data sample's boxes field, as boxes do (docs/synthetic_benchmark.md,
# "Semantic frame features"). Same data, splits, loaders and evaluation as
# synthetic_egoexo.py; only the pipelines differ.
_base_ = ['./synthetic_egoexo.py']
# state_file=None: each loader's dataset reads its own <data_root>/scene_state.pickle
# (so --data-root moves the states with the frames); a path reads that file.
state_options = dict(state_file=None)
train_pipeline = [
    dict(type='SampleClipFrames', num_frames={{_base_.clip_len}}, random_offset=1),
    dict(type='LoadClipSceneState', **state_options),
    dict(type='PackEgoExoBoxInputs'),
]
video_pipeline = [
    dict(type='LoadVideoSceneState', **state_options),
    dict(type='PackEgoExoBoxInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=video_pipeline))
test_dataloader = dict(dataset=dict(pipeline=video_pipeline))
fit_dataloader = dict(dataset=dict(pipeline=video_pipeline))
val_cfg = dict(type='EgoExoValLoop', fit_dataloader=fit_dataloader)
test_cfg = dict(type='EgoExoTestLoop', fit_dataloader=fit_dataloader)
