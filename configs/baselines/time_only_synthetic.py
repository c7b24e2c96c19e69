# Time-only floor row on the synthetic benchmark: each frame's embedding is t/L.
#   python tools/test.py configs/baselines/time_only_synthetic.py none
_base_ = ['../_base_/datasets/synthetic_egoexo.py', '../_base_/default_runtime.py']
model = dict(type='TimeOnlyBaseline', encoding='scalar')
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
