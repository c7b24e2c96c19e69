# AE2 Break Eggs (4 phases): ego/exo videos with split lists.
# Train 61 ego / 57 exo videos, val 5/5, test 10/10.
_base_ = './egoexo.py'
data_root = 'data/ae2/break_eggs'
layout = 'csv'  # split lists <data_root>/{ego,exo}/{train,val,test}.csv
