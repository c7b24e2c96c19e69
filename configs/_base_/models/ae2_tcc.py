# AE2's TCC baseline (cycle-back regression) on BYOV's stem and backbone
# (ae2_alignment_clip-b16.py).
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='TCCLoss', temperature=0.1, variance_lambda=0.001))
