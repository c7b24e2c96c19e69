# Multi-view time-contrastive network (TCN) on BYOV's stem and backbone
# (ae2_alignment_clip-b16.py): n-pairs between frame t of the ego clip (anchor) and frame
# t of the exo clip of the same take (its positive). Needs synchronised pairs: leaf
# configs train on SynchronisedEgoExoPairDataset.
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='TCNLoss', mode='multi_view', reg_lambda=0.002))
