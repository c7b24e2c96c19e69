"""Progress bars: one library (tqdm) for every long step, quiet off the main process."""
import os
import sys

from mmengine.dist import is_main_process
from tqdm.auto import tqdm


def progress_bar(iterable=None, desc=None, total=None, **kwargs):
    """A tqdm bar on the main process of a job; silent on other ranks and when
    ``BYOV_NO_PROGRESS=1`` (e.g. in CI logs)."""
    disable = (not is_main_process() or os.environ.get('BYOV_NO_PROGRESS') == '1'
               or kwargs.pop('disable', False))
    return tqdm(iterable, desc=desc, total=total, disable=disable, dynamic_ncols=True,
                file=kwargs.pop('file', sys.stderr), leave=kwargs.pop('leave', False),
                **kwargs)
