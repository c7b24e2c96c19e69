# Time-only floor row, pour liquid: each frame's embedding is t/L, no pixels. Evaluate with
#   python tools/test.py configs/baselines/time_only_pour_liquid.py none
_base_ = ['../_base_/datasets/ae2_pour_liquid.py', '../_base_/default_runtime.py']
model = dict(type='TimeOnlyBaseline', encoding='scalar')
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
