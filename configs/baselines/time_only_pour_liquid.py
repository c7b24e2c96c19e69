# Time-only floor row, pour liquid: each frame's embedding is t/L, no pixels. Evaluate with
#   python tools/test.py configs/baselines/time_only_pour_liquid.py none
_base_ = ['../_base_/datasets/ae2_pour_liquid.py', '../_base_/default_runtime.py']
model = dict(type='TimeOnlyBaseline', encoding='scalar')
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
