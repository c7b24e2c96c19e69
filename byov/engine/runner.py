"""mmengine's Runner with a brief console: the set-up report goes to the log file only.

At start-up mmengine's Runner logs the system and runtime environment, the whole config
and the order of the hooks: some 300 lines before the first epoch. ``tools/train.py`` and
``tools/test.py`` print them on the console, as mmaction2 does; with ``--brief-console``
(which the main job, ``tools/run_demo.py``, uses) they build this runner instead, whose
console shows warnings and errors during set-up and one line naming the log file that
holds the report. Everything after set-up (progress, checkpoints, results) is logged as
usual.
"""
import logging

from mmengine.runner import Runner


class BriefConsoleRunner(Runner):
    """:class:`mmengine.runner.Runner` whose console skips the set-up report."""

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
