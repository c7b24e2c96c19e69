# The synthetic ego-exo benchmark read as hand-object boxes (det_bounding_box.pickle,
# AE2's format, written by the generator): no pixels are loaded, every frame is its
# [4 slots, 10] box table (docs/box_input.md). Same splits, loaders and evaluation as
# synthetic_egoexo.py. The box file follows data_root here; with --cfg-options set the
# pipelines' box_file too (benchmarks/synthetic_comparison.py does).
_base_ = ['./synthetic_egoexo.py']
data_root = 'data/synthetic_egoexo'
box_file = data_root + '/det_bounding_box.pickle'
# AE2's options: score_threshold (bbox_threshold), expansion_ratio (bbox_expansion_ratio),
# one_object (one_object_bbox)
box_options = dict(box_file=box_file, score_threshold=0.0, expansion_ratio=1.0,
                   one_object=False)
train_pipeline = [
    dict(type='SampleClipFrames', num_frames={{_base_.num_frames}}, random_offset=1),
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
    dict(type='SampleClipFrames', num_frames={{_base_.num_frames}}, random_offset=1),
    dict(type='LoadClipFromCache'),
    dict(type='LoadClipBoxes', **box_options),
    dict(type='PackEgoExoBoxInputs', with_frames=True),
]
video_pipeline_with_frames = [
    dict(type='LoadVideoFromCache'),
    dict(type='LoadVideoBoxes', **box_options),
    dict(type='PackEgoExoBoxInputs', with_frames=True),
]
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=video_pipeline))
test_dataloader = dict(dataset=dict(data_root=data_root, pipeline=video_pipeline))
fit_dataloader = dict(dataset=dict(data_root=data_root, pipeline=video_pipeline))
val_cfg = dict(type='EgoExoValLoop', fit_dataloader=fit_dataloader)
test_cfg = dict(type='EgoExoTestLoop', fit_dataloader=fit_dataloader)
