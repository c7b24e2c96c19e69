"""benchmarks/svm_identity.py reads saved embeddings and finds no differing prediction."""
from pathlib import Path

import numpy as np

from byov.evaluation.embedding_set import EmbeddingSet
from tests.scripts import load_script

SCRIPT = Path(__file__).resolve().parents[2] / 'benchmarks' / 'svm_identity.py'


def save_split(folder, split, seed, videos=6, length=30, dims=5):
    """Ego videos first, 3 phases in order per video, embeddings = phase centre + noise."""
    rng = np.random.default_rng(seed)
    labels = np.tile(np.repeat([0, 1, 2], length // 3), videos)
    embeds = (np.eye(3, dims)[labels] * 2 + rng.normal(size=(labels.size, dims)))
    video_ids = np.repeat(np.arange(videos), length)
    EmbeddingSet(embeds.astype(np.float32), labels, video_ids, video_ids < videos // 2,
                 [f'video_{v}' for v in range(videos)], split).save(str(folder))


def test_svm_identity_on_saved_embeddings(tmp_path, capsys):
    save_split(tmp_path, 'train', 0)
    save_split(tmp_path, 'test', 1)
    script = load_script(SCRIPT)
    assert script.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert 'identical predictions' in out and 'exo2ego' in out
