# AE2's object-centric variant (its align_bbox task) on the synthetic benchmark: the
# ObjectCentricEncoder (a ResNet-18 from scratch, RoIAlign of its stage-1 map inside the
# hand-object boxes, box positional embedding, slot tokens, a 2-layer transformer),
# trained end to end with AE2's contrastive soft-DTW, the CPU demo's schedule. With AE2's
# data, use its det_bounding_box.pickle and an ImageNet ResNet-50 (docs/box_input.md).
#   python tools/train.py configs/baselines/dtw-contrastive_object-centric_synthetic.py
_base_ = [
    '../_base_/models/ae2_dtw_contrastive.py',
    '../_base_/datasets/synthetic_egoexo_boxes.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
train_pipeline = {{_base_.train_pipeline_with_frames}}
video_pipeline = {{_base_.video_pipeline_with_frames}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=video_pipeline))
test_dataloader = dict(dataset=dict(pipeline=video_pipeline))
fit_dataloader = dict(dataset=dict(pipeline=video_pipeline))
val_cfg = dict(type='EgoExoValLoop', fit_dataloader=fit_dataloader)
test_cfg = dict(type='EgoExoTestLoop', fit_dataloader=fit_dataloader)
model = dict(
    data_preprocessor=dict(
        _delete_=True, type='EgoExoBoxDataPreprocessor', num_slots=4,
        mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),  # ImageNet, as AE2
    num_frames={{_base_.clip_len}},
    stem=dict(
        frozen=False,  # trained end to end, as AE2's encoder
        token_selector=None,  # the encoder returns one vector per frame itself
        frame_encoder=dict(
            _delete_=True, type='ObjectCentricEncoder', depth=18, pretrained=None,
            num_slots=4, dims=128, num_layers=2, num_heads=4, embed_dims=128, roi_size=4,
            chunk_size=64)),
    backbone=None,
    # half of the 16-frame clip in the subset (Break Eggs: 30 of 32)
    loss=dict(num_subset=8, ratio=1.0, cyclic=False))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
