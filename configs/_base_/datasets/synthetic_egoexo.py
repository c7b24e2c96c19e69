# Synthetic ego-exo benchmark (5 phases), AE2 csv layout.
# Written by tools/data/generate_synthetic_egoexo.py; small frames, batch 4.
_base_ = './egoexo.py'
data_root = 'data/synthetic_egoexo'
layout = 'csv'  # split lists <data_root>/{ego,exo}/{train,val,test}.csv
num_frames = 16  # frames per training clip
frame_size = 64  # every frame of every view is resized to frame_size x frame_size
train_dataloader = dict(batch_size=4)
