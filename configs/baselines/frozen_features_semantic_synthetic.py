# Frozen semantic-feature row on the synthetic benchmark: the weight-free SceneStateEncoder
# alone (64 numbers per frame from the scene state, view_gap 0.5), no temporal model:
#   python tools/test.py configs/baselines/frozen_features_semantic_synthetic.py none
# Another view gap: --cfg-options model.stem.frame_encoder.view_gap=0.0 (or 1.0).
_base_ = [
    '../_base_/models/byov_semantic.py',
    '../_base_/datasets/synthetic_egoexo_semantic.py',
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
