"""Fixtures of the dataset tests (helpers in ae2_fixtures.py)."""
import pytest
from ae2_fixtures import make_ae2


@pytest.fixture
def csv_root(tmp_path):
    root = str(tmp_path / 'ae2' / 'break_eggs')
    return root, make_ae2(root, 'csv')


@pytest.fixture
def folders_root(tmp_path):
    root = str(tmp_path / 'ae2' / 'pour_milk')
    return root, make_ae2(root, 'folders')


@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / 'cache')
