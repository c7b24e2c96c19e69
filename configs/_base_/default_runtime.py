default_scope = 'byov'
# byov's registries, for entry points that do not import byov themselves (mmengine's
# Runner in a script, mmaction2's tools/train.py, mim train mmaction)
custom_imports = dict(imports=['byov.registry'], allow_failed_imports=False)
# byov's runner (byov.engine.ByovRunner): checks the config before building, loads
# checkpoints weights-only and key-checked, records provenance in results.json. Entry
# points that honour runner_type build it (byov's and mmaction2's tools, mim,
# RUNNERS.build(cfg)); mmengine's Runner.from_cfg(cfg) builds its plain Runner.
runner_type = 'byov.ByovRunner'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # save_best='auto': the first metric of the evaluator (ae2/f1_regular for the AE2
    # metrics), so that configs with other metrics work too; all are higher-is-better
    checkpoint=dict(
        type='CheckpointHook', interval=10, max_keep_ckpts=3, save_best='auto',
        rule='greater',
        backend_args=dict(backend='byov_atomic_local')),  # written whole or not at all
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # byov's guards, here rather than in custom_hooks so that a config listing its own
    # custom_hooks keeps them (docs/reliability.md)
    iteration_seed=dict(type='IterationSeedHook'),  # exact --resume
    nan_guard=dict(type='NanLossGuardHook', action='raise'),  # or action='skip'
)

env_cfg = dict(
    cudnn_benchmark=False,
    # loader workers: forked, OpenCV single-threaded (PyTorch gives each one thread)
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # tools/train.py switches to gloo on CPU-only machines
    # intra-op threads of each training/testing process; None: OMP_NUM_THREADS if set,
    # else the process's cores less its loader workers (docs/performance.md, "Threads")
    num_threads=None,
)

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

# Losses, metrics (after each validation) and figures go to every backend. Trackers:
# add dict(type='TensorboardVisBackend') (pip install '.[tensorboard]'), 'WandbVisBackend'
# or 'MLflowVisBackend' to visualizer.vis_backends, or tools/train.py --vis-backend
# tensorboard (docs/training_and_evaluation.md, "Logs, progress bars, experiment trackers").
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='EgoExoVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
