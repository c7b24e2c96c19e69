# The paper's "CLIP features" row: BYOV's stem alone (frozen CLIP ViT-B/16 patch tokens
# merged by STM, one vector per frame), no temporal model, nothing to train.
_base_ = ['./byov_vit-b16.py']
model = dict(
    _delete_=True,
    type='FrameFeatureBaseline',
    data_preprocessor={{_base_.model.data_preprocessor}},
    stem={{_base_.model.stem}})
