"""``ByovRunner``: mmengine's Runner, checking the config first and loading checkpoints
safely and strictly.

Registered in byov's ``RUNNERS``; the default runtime (``configs/_base_/
default_runtime.py``) sets ``runner_type = 'byov.ByovRunner'``, so every entry point that
honours ``runner_type`` builds it: byov's tools, mmaction2's ``tools/train.py`` and
``mim train mmaction``, and ``RUNNERS.build(cfg)`` in a script. (``Runner.from_cfg(cfg)``
builds mmengine's own Runner whatever the config says; ``ByovRunner.from_cfg(cfg)``
builds this one.)

Before building anything it runs :func:`byov.datasets.check_config`: a config whose
loaders do not hold its top-level values, whose own variables (``clip_len``, ...) changed
after its file was read, whose loaders mix data roots or whose model is built for another
clip length than it trains on is refused with one message. Compared with mmengine's Runner, for
``load_from`` and ``--resume``:

- the file is loaded weights-only from any scheme (:func:`byov.utils.checkpoint.
  load_checkpoint`): a checkpoint never runs code unless the user opts in;
- its keys are checked against the model before anything is copied
  (:func:`byov.utils.checkpoint_keys.match_state_dict`): strictly when testing or
  validating (``cfg.partial_load=True``, ``tools/test.py --partial-load``, loads the
  matching keys only), leniently about missing / unexpected keys when training starts
  from ``load_from``, never about shapes;
- ``--resume`` of a file without training state (a weights-only checkpoint) says so,
  naming the file, instead of mmengine's ``KeyError: 'epoch'``.

Building, training and testing also add the closest registered names to an unknown
type's ``KeyError`` (mmengine's root registries, which the Runner uses, have no hint).
"""
import contextlib
import logging
from collections import OrderedDict

from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from byov.datasets.config_utils import check_config
from byov.engine.feature_source import hand_feature_source
from byov.registry import RUNNERS, config_option_error, unknown_type_error
from byov.utils.checkpoint import CheckpointFormatError, load_checkpoint
from byov.utils.checkpoint_keys import match_state_dict

RESUME_KEYS = ('meta', 'message_hub', 'state_dict')


@contextlib.contextmanager
def closest_name_hints():
    """An unknown type's ``KeyError`` as an :class:`UnknownTypeError` with the closest
    registered names."""
    try:
        yield
    except KeyError as err:
        unknown = unknown_type_error(err)  # the message names the registry
        if unknown is None:
            raise
        raise unknown from err


def check_resumable(checkpoint, filename: str) -> None:
    """Refuse to resume from a checkpoint without mmengine's training state."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    lacking = [k for k in RESUME_KEYS if k not in checkpoint] if isinstance(
        checkpoint, dict) else list(RESUME_KEYS)
    lacking += [f'meta.{k}' for k in ('epoch', 'iter')
                if isinstance(meta, dict) and k not in meta]
    if lacking:
        raise CheckpointFormatError(
            f'--resume {filename}: this checkpoint holds no training state (it lacks '
            f'{", ".join(lacking)}), so training cannot resume from it. To start training '
            f'from its weights use load_from={filename} (--cfg-options load_from=...) '
            f'without --resume; to evaluate it use tools/test.py CONFIG {filename}.')
    if 'optimizer' not in checkpoint:
        print_log(f'--resume {filename}: the checkpoint has no optimizer state (saved with '
                  'save_optimizer=False?); training resumes with a fresh optimizer, so it '
                  'will not continue exactly as the first run would have.',
                  logger='current', level=logging.WARNING)


def _nested_state_dict(checkpoint):
    state_dict = checkpoint.get('state_dict', checkpoint)
    metadata = getattr(state_dict, '_metadata', None)
    # mmengine's default revise_keys: weights saved from a wrapped model
    state_dict = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                             for k, v in state_dict.items())
    if metadata is not None:
        state_dict._metadata = metadata
    return state_dict


class _DropFileClientNotice(logging.Filter):
    """mmengine's own CheckpointHook and LoggerHook create a ``FileClient`` in every run
    and log that it "will be deprecated"; nothing a user can act on. This runner's
    logger drops that one record (other loggers and records are untouched)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith('"FileClient" will be deprecated')


_WITHOUT_FILECLIENT_NOTICE = _DropFileClientNotice()


@RUNNERS.register_module()
class ByovRunner(Runner):
    """mmengine's ``Runner`` with byov's checkpoint loading (see the module docstring).

    Config keys read besides mmengine's: ``partial_load`` (bool, default False): when
    testing or validating, load only the keys that match and log the others.

    After loading, ``checkpoint_load`` says what was loaded: ``dict(source, mode,
    loaded, missing, unexpected, ignored)`` (key counts), or ``None`` before.
    """

    def __init__(self, *args, **kwargs):
        self._load_mode = 'strict'
        self._resuming = False
        self.checkpoint_load = None
        check_config(_config_of(args, kwargs))  # before the (slow) builds
        self.config_checked = True  # the evaluation loops check it otherwise
        with closest_name_hints():
            super().__init__(*args, **kwargs)
        self.logger.addFilter(_WITHOUT_FILECLIENT_NOTICE)

    def build_model(self, model):
        """mmengine's, with a config option the model does not take reported as a
        :class:`~byov.utils.errors.ConfigOptionError` naming the closest options (the
        Runner builds the top-level model through mmengine's root registry)."""
        try:
            return super().build_model(model)
        except TypeError as err:
            from byov.registry import MODELS
            option = config_option_error(err, model, MODELS)
            if option is None:
                raise
            raise option from err

    def build_train_loop(self, loop):
        """mmengine's, then the model's stem is told what the training data are made of
        (:mod:`byov.engine.feature_source`): its checkpoints record it, and a ``load_from``
        or ``--resume`` checkpoint of other features is refused. byov's evaluation loops
        do the same; this covers a run without validation."""
        loop = super().build_train_loop(loop)
        dataset = getattr(getattr(loop, 'dataloader', None), 'dataset', None)
        if dataset is not None:
            hand_feature_source(self.model, [('train_dataloader', dataset)], 'train')
        return loop

    def train(self):
        self._load_mode = 'finetune'
        with closest_name_hints():
            return super().train()

    def val(self):
        self._load_mode = 'partial' if self.cfg.get('partial_load', False) else 'strict'
        with closest_name_hints():
            return super().val()

    def test(self):
        self._load_mode = 'partial' if self.cfg.get('partial_load', False) else 'strict'
        with closest_name_hints():
            return super().test()

    def resume(self, filename, *args, **kwargs):
        self._resuming = True
        try:
            return super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = False

    def load_checkpoint(self, filename, map_location='cpu', strict=False,
                        revise_keys=None, mode=None):
        """Load ``filename`` weights-only and check its keys (module docstring).

        ``mode``: ``'strict'``, ``'partial'`` or ``'finetune'``
        (:mod:`byov.utils.checkpoint_keys`); by default it follows from what the runner
        does (``train()``: finetune; ``val()`` / ``test()``: strict, or partial with
        ``cfg.partial_load``; resuming: strict). ``strict`` and ``revise_keys`` of
        mmengine's signature are not used; a ``module.`` prefix is removed."""
        checkpoint = load_checkpoint(filename, map_location=map_location)
        if not isinstance(checkpoint, dict):
            raise CheckpointFormatError(
                f'{filename} holds a {type(checkpoint).__name__}, not a checkpoint dict: '
                're-save it with torch.save({"state_dict": model.state_dict()}, path).')
        if self._resuming:
            check_resumable(checkpoint, filename)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        state_dict = _nested_state_dict(checkpoint)
        mode = mode or ('strict' if self._resuming else self._load_mode)
        found = match_state_dict(model, state_dict, mode, source=filename)
        keep = OrderedDict((k, state_dict[k]) for k in found['loaded'])
        keep._metadata = getattr(state_dict, '_metadata', OrderedDict())
        model.load_state_dict(keep, strict=False)
        self._has_loaded = True
        self.checkpoint_load = dict(source=filename, mode=mode, **{
            k: len(found[k]) for k in ('loaded', 'missing', 'unexpected', 'ignored')})
        self.logger.info(f'Load checkpoint from {filename} ({len(keep)} keys, '
                         f'{mode} loading, weights only)')
        return checkpoint


def _config_of(args, kwargs) -> dict:
    """The config a Runner is built from: ``cfg`` (``from_cfg`` passes the whole config),
    with the loaders, loops, evaluators and model given as arguments."""
    names = ('model', 'work_dir', 'train_dataloader', 'val_dataloader',
             'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg')
    given = dict(zip(names, args), **kwargs)
    cfg = given.get('cfg') or {}
    config = cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg)
    if getattr(cfg, 'filename', None):  # what the config's variables are checked against
        config['filename'] = cfg.filename
    config.update({k: v for k, v in given.items() if k in names and v is not None})
    return config


@RUNNERS.register_module()
class BriefConsoleRunner(ByovRunner):
    """:class:`ByovRunner` whose console skips the set-up report (``--brief-console``).

    At start-up mmengine's Runner logs the system and runtime environment, the whole
    config and the order of the hooks: some 300 lines before the first epoch. This runner
    sends them to the log file only; the console shows warnings and errors during set-up
    and one line naming the log file that holds the report. The main job
    (``tools/run_demo.py``) uses it through ``--brief-console``.
    """

    def _log_env(self, env_cfg: dict) -> None:
        # the first thing the Runner logs, right after building its logger
        self._quieted = [(h, h.level) for h in _console_handlers(self.logger)]
        for handler, level in self._quieted:
            handler.setLevel(max(level, logging.WARNING))
        super()._log_env(env_cfg)

    def __init__(self, *args, **kwargs) -> None:
        try:
            super().__init__(*args, **kwargs)
        finally:
            for handler, level in getattr(self, '_quieted', []):
                handler.setLevel(level)
        files = [h.baseFilename for h in self.logger.handlers
                 if isinstance(h, logging.FileHandler)]
        if files:
            self.logger.info(f'Environment, config and hooks: in {files[0]}')


def _console_handlers(logger: logging.Logger) -> list:
    return [h for h in logger.handlers
            if type(h) is logging.StreamHandler]  # not its FileHandler subclass


def build_runner(cfg, brief_console: bool = False) -> Runner:
    """The runner ``cfg`` asks for, as mmaction2's tools build it: its ``runner_type``
    (looked up in the config's default scope; byov's configs say ``'byov.ByovRunner'``),
    or :class:`ByovRunner` when it names none. ``brief_console`` swaps ``ByovRunner`` for
    :class:`BriefConsoleRunner` (``--brief-console``); another runner type keeps its
    console, with a warning."""
    from mmengine.registry import RUNNERS as ROOT_RUNNERS
    runner_type = cfg.get('runner_type')
    if runner_type is None:
        runner_cls = ByovRunner
    elif isinstance(runner_type, str):
        with ROOT_RUNNERS.switch_scope_and_registry(cfg.get('default_scope')) as registry:
            runner_cls = registry.get(runner_type)
        if runner_cls is None:
            missing = KeyError(f'{runner_type} is not in the {registry.scope}::'
                               f'{registry.name} registry')
            raise unknown_type_error(missing, registry) or missing
    else:
        runner_cls = runner_type
    if brief_console:
        if runner_cls is ByovRunner:
            runner_cls = BriefConsoleRunner
        elif not issubclass(runner_cls, BriefConsoleRunner):
            print_log(f'--brief-console: the config\'s runner_type {runner_type!r} is not '
                      'ByovRunner; it logs its set-up to the console as it does.',
                      logger='current', level=logging.WARNING)
    return runner_cls.from_cfg(cfg)

