# CARL's sequence contrastive loss (SCL: two clips of one video, frame similarities against
# a Gaussian prior on their time distance) on BYOV's stem and backbone
# (ae2_alignment_clip-b16.py), with CARL's projection head in the loss. Its training
# pairs are two clips of ONE video: leaf configs set
# train_dataloader.dataset.type='SameVideoPairDataset'.
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='SequenceContrastiveLoss', temperature=0.1, variance=10.0,
                       projection=True, projection_hidden=128))
