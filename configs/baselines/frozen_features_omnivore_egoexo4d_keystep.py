# The released Omnivore features themselves on Ego-Exo4D keystep, no temporal model:
#   python tools/test.py configs/baselines/frozen_features_omnivore_egoexo4d_keystep.py none
_base_ = ['../_base_/models/alignment_omnivore.py', '../_base_/datasets/egoexo4d_keystep.py',
          '../_base_/default_runtime.py']
model = dict(
    _delete_=True,
    type='FrameFeatureBaseline',
    data_preprocessor={{_base_.model.data_preprocessor}},
    stem={{_base_.model.stem}})
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
