"""Each figure function draws a PNG of sane size from small synthetic embeddings."""
import os

import numpy as np
import pytest
from vis_testutils import PHASES, fake_frames
from matplotlib.image import imread

from byov.evaluation.embedding_set import EmbeddingSet
from byov.visualization import (alignment_summary, cross_view_neighbours, draw_figures,
                                figure_to_rgb, pick_queries, plot_alignment,
                                plot_embedding_projection, plot_phase_progression,
                                plot_retrieval_examples, predict_progression, project_2d,
                                save_figure, save_figures)


def check_png(path, min_kb=5, max_kb=300):
    size_kb = os.path.getsize(path) / 1024
    assert min_kb < size_kb < max_kb, f'{path}: {size_kb:.0f} KB'
    image = imread(path)
    assert image.ndim == 3 and 300 < image.shape[1] < 2000 and 200 < image.shape[0] < 2000
    assert image[..., :3].std() > 0.05  # something is drawn


def test_projection(sets, tmp_path):
    fig = plot_embedding_projection({'untrained': sets['untrained'], 'trained': sets['test']},
                                    names=PHASES, max_points=50)
    check_png(save_figure(fig, str(tmp_path / 'projection.png')))
    assert len(fig.axes) == 2


def test_projection_tsne_and_scalar_embeddings(sets):
    points, note = project_2d(sets['test'].embeds[:15], 'tsne')
    assert points.shape == (15, 2) and 't-SNE' in note
    points, note = project_2d(np.linspace(0, 1, 10)[:, None])  # time-only rows: 1-D
    assert points.shape == (10, 2)
    with pytest.raises(ValueError, match='projection'):
        project_2d(sets['test'].embeds, 'umap')


def test_alignment(sets, tmp_path):
    fig = plot_alignment({'untrained': sets['untrained'], 'trained': sets['test']},
                         names=PHASES)
    check_png(save_figure(fig, str(tmp_path / 'alignment.png')))
    emb = sets['test']
    summary = alignment_summary(emb, 0, 2)
    assert summary['distances'].shape == (emb.video_lengths[0], emb.video_lengths[2])
    # phases are well separated in these embeddings: most nearest frames share the phase
    assert summary['phase_match'] > 0.7
    with pytest.raises(ValueError, match='no video'):
        plot_alignment({'m': emb}, ego_video='nope')


def test_retrieval(sets, tmp_path):
    emb = sets['test']
    queries = pick_queries(emb, 4, seed=0)
    assert [bool(emb.is_ego[q]) for q in queries] == [True, False, True, False]
    found, dist = cross_view_neighbours(emb, queries, k=5)
    assert found.shape == (4, 5) and (np.diff(dist, axis=1) >= 0).all()
    assert all((emb.is_ego[f] != emb.is_ego[q]).all() for q, f in zip(queries, found))
    fig = plot_retrieval_examples(emb, fake_frames, num_queries=3, k=5, names=PHASES)
    check_png(save_figure(fig, str(tmp_path / 'retrieval.png')))


def test_progression(sets, tmp_path):
    targets, predictions = predict_progression(sets['train'], sets['test'])
    assert targets.shape == predictions.shape == (sets['test'].num_frames, 3)
    assert np.array_equal(np.isnan(targets), np.isnan(predictions))
    fig = plot_phase_progression(sets['train'], sets['test'], num_videos=4, names=PHASES)
    check_png(save_figure(fig, str(tmp_path / 'progression.png')))
    with_time, _ = predict_progression(sets['train'], sets['test'], append_time=True)
    np.testing.assert_array_equal(with_time, targets)


def test_progression_matches_the_metric(sets):
    """The figure's regressors are the metric's: their mean R^2 is the metric's score."""
    from sklearn.metrics import r2_score

    from byov.evaluation.functional import phase_progression
    fit, ev = sets['train'], sets['test']
    targets, predictions = predict_progression(fit, ev)
    ours = np.mean([r2_score(targets[~np.isnan(targets[:, c]), c],
                             predictions[~np.isnan(targets[:, c]), c]) for c in range(3)])
    metric = phase_progression(fit.embeds, fit.labels, fit.video_ids, ev.embeds, ev.labels,
                               ev.video_ids)
    assert ours == pytest.approx(metric, abs=1e-6)


def test_draw_figures_and_skips(sets, tmp_path):
    """All four figures: see test_hook.py and test_visualize_tool.py. Here: the
    comparison panel, file names, the RGB rendering, and skipping what lacks inputs."""
    figs = draw_figures(sets['test'], compare={'untrained': sets['untrained']},
                        figures=('projection', 'retrieval', 'progression'), max_points=60)
    assert list(figs) == ['projection']  # no frames, no fit split: skipped, not failed
    assert [ax.get_title().split('\n')[0] for ax in figs['projection'].axes] == [
        'untrained', 'trained']
    paths = save_figures(figs, str(tmp_path), prefix='demo_', palette=True)
    assert os.path.basename(paths['projection']) == 'demo_projection.png'
    check_png(paths['projection'], min_kb=3)
    rgb = figure_to_rgb(figs['projection'])
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3


def test_compare_needs_the_same_frames(sets):
    other = EmbeddingSet(sets['train'].embeds, sets['train'].labels, sets['train'].video_ids,
                         sets['train'].is_ego, sets['train'].video_names, 'test')
    with pytest.raises(ValueError, match='different videos'):
        draw_figures(sets['test'], compare={'x': other}, figures=('projection',))
    with pytest.raises(ValueError, match='unknown figures'):
        draw_figures(sets['test'], figures=('umap',))
