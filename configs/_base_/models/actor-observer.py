# ActorObserverNet's objective on BYOV's stem and backbone (ae2_alignment_clip-b16.py):
# soft-mined triplets (exo frame, ego frame at the same moment, ego frame far from it),
# with the decays of the paper's run. Needs synchronised pairs: leaf configs train on
# SynchronisedEgoExoPairDataset. The weight heads' width (loss.in_channels) is set by
# the model.
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='ActorObserverLoss', negative_gap=1 / 3, softmax_decay=0.95,
                       baseline_decay=0.9, share_negative_head=False))
