"""Load a repository script (under tools/ or benchmarks/) as a module, for the tests that
call its functions in process."""
import importlib.util
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_script(relpath: str, name: str = None):
    """The script at ``relpath`` from the repository root (e.g.
    ``'tools/data/build_frame_cache.py'``), executed as a module named ``name`` (default:
    its file name without ``.py``)."""
    path = osp.join(REPO, relpath)
    name = name or osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
