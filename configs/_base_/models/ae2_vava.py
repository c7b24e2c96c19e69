# The VAVA baseline as AE2 trains it (optimal transport with a virtual frame and temporal
# priors) on BYOV's stem and backbone (ae2_alignment_clip-b16.py).
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='VAVALoss', num_iters=20))
