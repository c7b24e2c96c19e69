# The supervised reference ("ceiling") on BYOV's stem and backbone
# (ae2_alignment_clip-b16.py): the backbone trained by per-frame phase cross-entropy of
# both views through a linear head, which lives in the loss and is not evaluated. Not a
# self-supervised method: it reads the labels the evaluation scores. A leaf config sets
# loss.num_classes to the dataset's number of phases.
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='PhaseClassificationLoss', num_classes=None))
