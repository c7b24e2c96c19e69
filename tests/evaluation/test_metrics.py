"""The metric plugins end to end: fake model outputs -> Evaluator -> flat keys."""
import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from mmengine.structures import BaseDataElement

from byov.evaluation import (EmbeddingSet, evaluate_embedding_sets, results_markdown,
                             results_table, video_record)
from byov.evaluation.functional import (frame_retrieval, kendalls_tau, phase_classification,
                                        phase_progression)
from byov.registry import METRICS


def model_outputs(split, name):
    """One BaseDataElement per video, as ``model.predict`` returns them."""
    out = []
    for v in np.unique(split['video_ids']):
        m = split['video_ids'] == v
        sample = BaseDataElement(metainfo=dict(
            video_index=int(v), is_ego=bool(split['is_ego'][m][0]), video_name=f'v{v}',
            num_frames=int(m.sum()), split=name))
        sample.embeds = split['embeds'][m]
        sample.gt_labels = split['labels'][m]
        out.append(sample)
    return out


def as_set(split, name):
    outputs = model_outputs(split, name)
    return EmbeddingSet.from_records([dict(s.to_dict()) for s in outputs], split=name)


def test_all_metrics_through_the_one_evaluation_function(fit_split, eval_split):
    """The loops' and tools' path: model outputs -> one extractor -> EmbeddingSets
    (a padding repeat dropped) -> evaluate_embedding_sets -> prefixed keys equal to the
    functional results."""
    metrics = [METRICS.build(cfg) for cfg in (
        dict(type='PhaseClassificationMetric'),
        dict(type='FrameRetrievalMetric', k=5),
        dict(type='PhaseProgressionMetric', variant='corrected'),
        dict(type='KendallsTauMetric', stride=2, view_breakdown=True),
        dict(type='FewShotClassificationMetric', shots=(1, 'all'), episodes=2))]
    outputs = model_outputs(eval_split, 'val')
    records = [video_record(s) for s in outputs[4:] + outputs[:1] + outputs[:4]]  # padding
    eval_set = EmbeddingSet.from_records(records, split='val')
    fit_set = as_set(fit_split, 'train')
    evaluation = evaluate_embedding_sets(metrics, eval_set, fit_set)
    results = evaluation.metrics

    f1 = phase_classification(fit_split['embeds'], fit_split['labels'], fit_split['is_ego'],
                              eval_split['embeds'], eval_split['labels'], eval_split['is_ego'])
    maps = frame_retrieval(*(eval_split[k] for k in ('embeds', 'labels', 'video_ids',
                                                      'is_ego')), k=5)
    expected = {f'ae2/f1_{v}': f1[v] for v in f1}
    expected.update({f'ae2/map@5_{v}': maps[v] for v in maps})
    expected['ae2/progression'] = phase_progression(
        fit_split['embeds'], fit_split['labels'], fit_split['video_ids'], eval_split['embeds'],
        eval_split['labels'], eval_split['video_ids'], num_classes='union')
    expected['ae2/tau'] = kendalls_tau(eval_split['embeds'], eval_split['video_ids'], 2)
    for key, value in expected.items():
        assert results[key] == pytest.approx(value, abs=1e-12), key
    for key in ('tau_ego_ego', 'tau_exo_exo', 'tau_ego_exo', 'tau_exo_ego',
                'fewshot_1_f1_regular_mean', 'fewshot_1_f1_regular_std',
                'fewshot_all_f1_regular_mean'):
        assert 'ae2/' + key in results
    assert results['ae2/fewshot_all_f1_regular_std'] == 0.0
    assert results['ae2/tau_dropped_pairs'] == 0
    assert evaluation.protocol['PhaseProgressionMetric']['variant'] == 'corrected'
    assert evaluation.figure_options == dict(append_time=False)
    assert evaluation.eval_set is eval_set and evaluation.fit_set is fit_set

    # without the fit split, the metrics that fit something refuse, naming the way out
    with pytest.raises(ValueError, match='needs the fit split.*evaluate_embedding_sets'):
        evaluate_embedding_sets(metrics, eval_set)
    # mmengine's own path (a plain loop) works for metrics without a fit split ...
    evaluator = Evaluator([METRICS.build(dict(type='FrameRetrievalMetric', k=5)),
                           METRICS.build(dict(type='PhaseClassificationMetric'))])
    with pytest.raises(ValueError, match='PhaseClassificationMetric needs the fit split'):
        evaluator.process(data_samples=outputs, data_batch=None)  # ... refuses the others
    tau_only = Evaluator([METRICS.build(dict(type='KendallsTauMetric', stride=2))])
    tau_only.process(data_samples=outputs, data_batch=None)
    assert tau_only.evaluate(len(outputs))['ae2/tau'] == results['ae2/tau']

    table = results_table({'ours': results, 'time only': {'ae2/tau': 0.99}})
    text = table.get_string()
    assert 'F1 regular' in text and 'mAP@5 exo2ego' in text and '0.9900' in text
    assert results_markdown({'ours': results}).startswith('| Method | F1 regular |')


def test_metric_options_and_errors(eval_split):
    with pytest.raises(ValueError, match='append_time'):
        METRICS.build(dict(type='PhaseProgressionMetric', variant='corrected',
                           append_time=True))
    with pytest.raises(ValueError, match='variant'):
        METRICS.build(dict(type='PhaseProgressionMetric', variant='fixed'))
    metric = METRICS.build(dict(type='PhaseClassificationMetric', views=['regular']))
    assert metric.protocol()['views'] == ['regular']
    with pytest.raises(TypeError, match='EmbeddingSet'):
        metric.compute(as_set(eval_split, 'val'), {'embeds': None})
    metric = METRICS.build(dict(type='FrameRetrievalMetric'))  # takes mmengine's path
    bad = model_outputs(eval_split, 'val')[:1]
    bad[0].set_metainfo(dict(num_frames=3))
    with pytest.raises(ValueError, match='disagree'):
        metric.process(None, [bad[0].to_dict()])
    no_labels = BaseDataElement(metainfo=dict(video_index=0, is_ego=True, video_name='x'))
    no_labels.embeds = np.zeros((2, 3), np.float32)
    with pytest.raises(KeyError, match='gt_labels'):
        metric.process(None, [no_labels.to_dict()])


def test_metric_compute_on_saved_embeddings(tmp_path, fit_split, eval_split):
    """The tools' path: EmbeddingSets from disk, compute() without the evaluator."""
    as_set(eval_split, 'val').save(str(tmp_path))
    eval_set = EmbeddingSet.load(str(tmp_path), 'val')
    tau = METRICS.build(dict(type='KendallsTauMetric')).compute(eval_set)
    assert tau == dict(tau=kendalls_tau(eval_split['embeds'], eval_split['video_ids']),
                       tau_dropped_pairs=0)
    progression = METRICS.build(dict(type='PhaseProgressionMetric', append_time=True))
    out = progression.compute(eval_set, as_set(fit_split, 'train'))
    assert out['progression'] == phase_progression(
        fit_split['embeds'], fit_split['labels'], fit_split['video_ids'], eval_split['embeds'],
        eval_split['labels'], eval_split['video_ids'], append_time=True)
