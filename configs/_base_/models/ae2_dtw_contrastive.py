# AE2's own objective, soft-DTW with a time-reversed negative (--loss dtw_contrastive) on
# BYOV's stem and backbone (ae2_alignment_clip-b16.py). num_subset / ratio / cyclic are
# per dataset (leaf configs, from AE2's scripts/run.sh); these are AE2's command-line
# defaults.
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(
    loss=dict(
        type='DTWContrastiveLoss', num_subset=4, ratio=1.0, margin=0.0, cyclic=False,
        subset_sampling='random', temperature=0.1, gamma=0.1, scale=0.01))
