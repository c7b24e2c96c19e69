# GTA (smooth-min DTW both ways + global cycle consistency) on BYOV's stem and backbone
# (ae2_alignment_clip-b16.py).
_base_ = ['./ae2_alignment_clip-b16.py']
model = dict(loss=dict(type='GTALoss', temperature=0.1, gamma=0.1, dtw_weight=0.1,
                       label_smoothing=0.1))
