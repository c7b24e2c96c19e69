# AE2 Tennis Forehand (2 phases): ego/exo videos with split lists.
# Train 94 ego / 79 exo videos, val 25/24, test 50/50.
_base_ = './egoexo.py'
data_root = 'data/ae2/tennis_forehand'
layout = 'csv'  # split lists <data_root>/{ego,exo}/{train,val,test}.csv
num_frames = 20  # frames per training clip, as the reference
