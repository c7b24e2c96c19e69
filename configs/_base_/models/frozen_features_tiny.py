# The frozen-feature row with the CPU demo's stem (weight-free tiny frame encoder + STM,
# what the demo's BYOV reads), no temporal model, nothing to train.
_base_ = ['./byov_tiny.py']
model = dict(
    _delete_=True,
    type='FrameFeatureBaseline',
    data_preprocessor={{_base_.model.data_preprocessor}},
    stem={{_base_.model.stem}})
