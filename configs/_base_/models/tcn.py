# Single-view time-contrastive network (TCN) on BYOV's stem and backbone
# (ae2_alignment_clip-b16.py): n-pairs between the even frames of each clip (anchors) and
# the odd frames (their positives), as CARL's TCN code; reg_lambda as its config.
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='TCNLoss', mode='single_view', reg_lambda=0.002))
