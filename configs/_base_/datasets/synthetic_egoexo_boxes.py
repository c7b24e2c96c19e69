# The synthetic ego-exo benchmark read as hand-object boxes (det_bounding_box.pickle,
# AE2's format, written by the generator): no pixels are loaded; the frames are empty
# and each frame's [4 slots, 10] box table travels in the data sample
# (docs/box_input.md). Same data, splits, loaders and evaluation as synthetic_egoexo.py;
# only the pipelines differ.
_base_ = ['./synthetic_egoexo.py']
# box_file=None: each loader's dataset reads its own <data_root>/det_bounding_box.pickle
# (so --data-root moves the boxes with the frames); a path reads that file. AE2's
# options: score_threshold (bbox_threshold), expansion_ratio (bbox_expansion_ratio),
# one_object (one_object_bbox).
box_options = dict(box_file=None, score_threshold=0.0, expansion_ratio=1.0,
                   one_object=False)
train_pipeline = [
    dict(type='SampleClipFrames', num_frames={{_base_.clip_len}}, random_offset=1),
    dict(type='LoadClipBoxes', **box_options),
    dict(type='PackEgoExoBoxInputs'),
]
video_pipeline = [
    dict(type='LoadVideoBoxes', **box_options),
    dict(type='PackEgoExoBoxInputs'),
]
# frames + boxes, for encoders that read pixels inside the boxes (ObjectCentricEncoder);
# leaf configs swap these in
train_pipeline_with_frames = [
    dict(type='SampleClipFrames', num_frames={{_base_.clip_len}}, random_offset=1),
    dict(type='LoadClipFromCache'),
    dict(type='LoadClipBoxes', **box_options),
    dict(type='PackEgoExoBoxInputs', with_frames=True),
]
video_pipeline_with_frames = [
    dict(type='LoadVideoFromCache'),
    dict(type='LoadVideoBoxes', **box_options),
    dict(type='PackEgoExoBoxInputs', with_frames=True),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=video_pipeline))
test_dataloader = dict(dataset=dict(pipeline=video_pipeline))
fit_dataloader = dict(dataset=dict(pipeline=video_pipeline))
val_cfg = dict(type='EgoExoValLoop', fit_dataloader=fit_dataloader)
test_cfg = dict(type='EgoExoTestLoop', fit_dataloader=fit_dataloader)
