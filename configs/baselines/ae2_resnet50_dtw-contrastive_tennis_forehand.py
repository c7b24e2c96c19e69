# AE2's own model (ResNet-50 to layer3 + context frame + Conv3d + MLP -> 128-d, trained end
# to end) with AE2's contrastive soft-DTW loss, tennis forehand; AE2's Tennis Forehand
# setting (10 frames, ratio 4).
#   python tools/train.py configs/baselines/ae2_resnet50_dtw-contrastive_tennis_forehand.py
_base_ = [
    '../_base_/models/ae2_resnet50_dtw_contrastive.py',
    '../_base_/datasets/ae2_tennis_forehand.py',
    '../_base_/schedules/ae2_adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    loss=dict(num_subset=10, ratio=4, cyclic=False))
# The frame loaders give every frame with its context (the model base's ae2_context)
context_steps = {{_base_.ae2_context.num_context_steps}}
context_stride = {{_base_.ae2_context.context_stride}}
train_pipeline = [
    dict(type='SampleClipFrames', num_frames={{_base_.clip_len}}, random_offset=1),
    dict(type='LoadClipFromCache', num_context_steps=context_steps,
         context_stride=context_stride),
    dict(type='PackEgoExoInputs'),
]
video_pipeline = [
    dict(type='LoadVideoFromCache', num_context_steps=context_steps,
         context_stride=context_stride),
    dict(type='PackEgoExoInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=video_pipeline))
test_dataloader = dict(dataset=dict(pipeline=video_pipeline))
fit_dataloader = dict(dataset=dict(pipeline=video_pipeline))
val_cfg = dict(fit_dataloader=fit_dataloader)
test_cfg = dict(fit_dataloader=fit_dataloader)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
