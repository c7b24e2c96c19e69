# ActorObserverNet's objective (soft-mined ego-exo triplets) on BYOV's backbone (frozen
# CLIP ViT-B/16 + STM + temporal encoder), pour milk; BYOV's schedule (Adam 1e-5, batch
# 1, 300 epochs) so that only the objective differs.
#   python tools/train.py configs/baselines/actor-observer_clip-b16_pour_milk.py
_base_ = [
    '../_base_/models/actor-observer.py', '../_base_/datasets/ae2_pour_milk.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(num_frames={{_base_.clip_len}})
# synchronised takes: the ego and exo clip of one take at the same moments, from
# <data_root>/synchronised_pairs.csv (docs/data.md, "Synchronised pairs")
train_dataloader = dict(
    dataset=dict(type='SynchronisedEgoExoPairDataset', pairing='synchronised'))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
