"""The four ego-exo figures from saved embeddings: shared by the hook and the tool.

    sets = load_embeddings('work_dirs/demo/byov_trained', 'test')
    figs = draw_figures(eval_set, fit_set, compare={'untrained': untrained_eval_set},
                        frames=VideoFrames(dataset))
    save_figures(figs, 'work_dirs/demo/figures')
"""
import json
import os.path as osp
from typing import Callable, Dict, Mapping, Optional, Sequence

from mmengine.logging import print_log

from byov.evaluation.embedding_set import EmbeddingSet
from .alignment import plot_alignment
from .progression import plot_phase_progression
from .projection import plot_embedding_projection
from .retrieval import plot_retrieval_examples
from .style import save_figure

FIGURES = ('projection', 'alignment', 'retrieval', 'progression')


def embeddings_dir(path: str) -> str:
    """``path/embeddings`` when ``path`` is a work dir that has one, else ``path``."""
    inner = osp.join(path, 'embeddings')
    return inner if osp.isdir(inner) else path


def load_embeddings(path: str, split: str) -> EmbeddingSet:
    """A split's embeddings from a work dir (its ``embeddings/`` folder) or the folder
    holding ``{split}_embeds.npy``, ``{split}_label.npy`` and ``{split}_meta.json``."""
    return EmbeddingSet.load(embeddings_dir(path), split)


def find_phase_names(data_root: Optional[str]) -> Optional[list]:
    """Phase names where the dataset records them (the synthetic benchmark's
    ``synthetic_egoexo.json``); None otherwise (AE2's label.pickle has numbers only)."""
    if not data_root:
        return None
    from byov.datasets.synthetic import META_FILE
    path = osp.join(data_root, META_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return list(json.load(f).get('phases') or []) or None


def check_same_frames(a: EmbeddingSet, b: EmbeddingSet, what: str) -> None:
    """Two sets to compare panel by panel must hold the same videos and frames."""
    if (a.video_names != b.video_names or a.num_frames != b.num_frames
            or (a.labels != b.labels).any()):
        raise ValueError(f'{what}: the embeddings to compare come from different videos or '
                         f'labels ({a.num_videos} videos / {a.num_frames} frames vs '
                         f'{b.num_videos} / {b.num_frames}); compare runs on the same split '
                         'of the same dataset.')


def draw_figures(eval_set: EmbeddingSet, fit_set: Optional[EmbeddingSet] = None,
                 compare: Optional[Mapping[str, EmbeddingSet]] = None,
                 frames: Optional[Callable] = None, figures: Sequence[str] = FIGURES,
                 model_name: str = 'trained', names: Optional[Sequence[str]] = None,
                 projection: str = 'pca', max_points: Optional[int] = 2000,
                 ego_video: Optional[str] = None, exo_video: Optional[str] = None,
                 num_queries: int = 4, k: int = 5, num_videos: int = 4,
                 append_time: bool = False, seed: int = 0) -> Dict[str, object]:
    """Draw the requested figures; returns name -> matplotlib Figure.

    Args:
        eval_set: the eval split's embeddings of the model shown.
        fit_set: its fit split (train); needed by 'progression' (skipped without it).
        compare: other models' eval-split embeddings (e.g. ``{'untrained': ...}``),
            drawn as panels before the model's in 'projection' and 'alignment'.
        frames: ``frames(video_name, frame_index)`` -> uint8 ``[H, W, 3]``; needed by
            'retrieval' (skipped without it).
        figures: which of 'projection', 'alignment', 'retrieval', 'progression'.
        model_name: the model's panel title.
        names: phase names.
        projection: 'pca' or 'tsne'.
        max_points, ego_video, exo_video, num_queries, k, num_videos, append_time, seed:
            passed to the figure functions.
    """
    unknown = set(figures) - set(FIGURES)
    if unknown:
        raise ValueError(f'unknown figures {sorted(unknown)}; choose from {FIGURES}')
    panels = {}
    for name, other in (compare or {}).items():
        check_same_frames(other, eval_set, f'compare[{name!r}]')
        panels[name] = other
    panels[model_name] = eval_set
    split = eval_set.split or 'eval'
    out = {}
    if 'projection' in figures:
        out['projection'] = plot_embedding_projection(
            panels, method=projection, names=names, max_points=max_points, seed=seed,
            title=f'Frame embeddings of the {split} split, coloured by phase')
    if 'alignment' in figures:
        out['alignment'] = plot_alignment(panels, ego_video, exo_video, names=names)
    if 'retrieval' in figures:
        if frames is None:
            print_log('retrieval figure skipped: no frames (give a dataset config or the '
                      'dataset through which the frames can be read)', logger='current')
        else:
            if hasattr(frames, 'check'):
                frames.check(eval_set)
            out['retrieval'] = plot_retrieval_examples(
                eval_set, frames, num_queries=num_queries, k=k, names=names, seed=seed,
                title=f'{model_name}, {split} split: queries and their {k} nearest frames '
                      'of the other view\n(green border: same phase, red: another phase)')
    if 'progression' in figures:
        if fit_set is None:
            print_log('progression figure skipped: no fit-split (train) embeddings',
                      logger='current')
        else:
            out['progression'] = plot_phase_progression(
                fit_set, eval_set, num_videos=num_videos, append_time=append_time,
                names=names, title=f'{model_name}, {split} split: phase progression, true '
                '(solid) vs predicted (dashed), one line per phase')
    return out


def save_figures(figs: Mapping[str, object], out_dir: str, prefix: str = '',
                 palette: bool = False) -> Dict[str, str]:
    """Write each figure as ``<out_dir>/<prefix><name>.png``; returns name -> path.
    ``palette``: 256-colour PNGs, 2-4 times smaller (see :func:`save_figure`)."""
    return {name: save_figure(fig, osp.join(out_dir, f'{prefix}{name}.png'), palette)
            for name, fig in figs.items()}
