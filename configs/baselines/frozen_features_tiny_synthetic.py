# Frozen-feature row on the synthetic benchmark, with the demo's weight-free tiny frame
# encoder + STM (what the demo's BYOV reads), no temporal model:
#   python tools/test.py configs/baselines/frozen_features_tiny_synthetic.py none
_base_ = [
    '../_base_/models/byov_tiny.py', '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='FrameFeatureBaseline',
    data_preprocessor={{_base_.model.data_preprocessor}},
    stem={{_base_.model.stem}})
