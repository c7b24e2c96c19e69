# Frozen box-feature row on the synthetic benchmark: the weight-free box-geometry encoder
# alone (52 numbers per frame from the hand-object boxes), no temporal model:
#   python tools/test.py configs/baselines/frozen_features_box-geometry_synthetic.py none
_base_ = [
    '../_base_/models/byov_box-geometry.py', '../_base_/datasets/synthetic_egoexo_boxes.py',
    '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='FrameFeatureBaseline',
    data_preprocessor={{_base_.model.data_preprocessor}},
    stem={{_base_.model.stem}})
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
