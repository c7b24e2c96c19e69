# LAV (soft-DTW between the two clips + alpha x contrastive inverse difference moment of
# each clip) on BYOV's stem and backbone (ae2_alignment_clip-b16.py).
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='LAVLoss', alpha=0.5, sigma=10.0, margin=2.0, gamma=0.1))
