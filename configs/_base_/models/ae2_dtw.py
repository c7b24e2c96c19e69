# AE2's soft-DTW baseline (GTA-style, AE2's --loss dtw) on BYOV's stem and backbone
# (ae2_alignment_clip-b16.py).
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(
    loss=dict(type='SoftDTWLoss', temperature=0.1, gamma=0.1, scale=0.01, softmin='prob'))
