# Time-only floor on Ego-Exo4D keystep: each step's embedding is its position t/L in its
# stream, no features (docs/time_leakage.md).
#   python tools/test.py configs/baselines/time_only_egoexo4d_keystep.py none
_base_ = ['../_base_/datasets/egoexo4d_keystep.py', '../_base_/default_runtime.py']
model = dict(type='TimeOnlyBaseline', encoding='scalar')
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
