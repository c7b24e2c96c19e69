# AE2 Pour Liquid (3 phases): split folders.
# Train 70 ego / 67 exo videos, val 10/9, test 19/18.
_base_ = './egoexo.py'
data_root = 'data/ae2/pour_liquid'
layout = 'folders'  # split folders <data_root>/{train,val,test}/{ego,exo}/*.mp4
# AE2's protocol on this dataset: phase progression appends frame index x 1e-3
progression_append_time = True
