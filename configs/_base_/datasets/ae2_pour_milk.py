# AE2 Pour Milk (3 phases): split folders.
# Train 29 ego / 48 exo videos, val 4/8, test 7/16.
_base_ = './egoexo.py'
data_root = 'data/ae2/pour_milk'
layout = 'folders'  # split folders <data_root>/{train,val,test}/{ego,exo}/*.mp4
