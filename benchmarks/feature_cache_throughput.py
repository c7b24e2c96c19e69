"""Training throughput, embedding speed and peak memory with and without the feature cache.

    python benchmarks/feature_cache_throughput.py [--models demo vit-b16] [--iters 20]
        [--frames-iters 3] [--device cpu] [--work-dir DIR]

For each model, side by side in one run, on the same small synthetic benchmark:
``frames`` (the image path: frozen frame encoder + STM at every step), ``exact``
(patch tokens from the cache, STM on the clip) and ``compact`` (frame vectors from the
cache). Models: ``demo`` (configs/byov/byov_tiny_synthetic_demo.py: tiny frame encoder,
64x64 frames, batch 4, 16 frames) and ``vit-b16`` (BYOV on a ViT-B/16-shaped CLIP tower
with *random* weights, built locally from a ``CLIPVisionConfig``: nothing downloaded;
224x224 frames, batch 1, 8 frames per clip, so that it fits a CPU).

Every (model, input) runs in a fresh process (so its peak memory is its own) that times
``--iters`` training steps after one warm-up: reading the batch from disk (the real
dataset and pipeline, no worker processes), preprocessing, forward, backward and an Adam
step. A step trains on B pairs, i.e. 2B clips; "clips/s" counts clips. It then embeds
whole videos as the evaluation does ("eval frames/s"). "/CPU-s" columns divide by the
process's CPU time instead of wall time: on a shared machine they show the work that
wall time hides (``--threads 1``, the default, keeps the two close on an idle machine).
The one-off cost of building each cache (frames through the frame encoder) is shown per
frame, with its size on disk. Ratios are against ``frames`` of the same model; memory is
the process's peak resident memory (peak CUDA memory with ``--device cuda``).
``--results-json FILE`` also writes the run (kind ``feature_cache_throughput``: the
command, the machine's cores and load, every row's measurements and its cache's size and
build time) for ``tools/analysis/render_docs.py``
(``docs/results/feature_cache_throughput.json`` is docs/performance.md's table).
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
VIT_B16 = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
               intermediate_size=3072, image_size=224, patch_size=16)
MODELS = {  # name: (frame size, frames per clip, batch size)
    'demo': (64, 16, 4),
    'vit-b16': (224, 8, 1),
}
INPUTS = {'frames': None, 'exact': 'patch_tokens', 'compact': 'frame_vectors'}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', nargs='+', choices=sorted(MODELS), default=list(MODELS))
    parser.add_argument('--iters', type=int, default=20, help='timed steps from the cache')
    parser.add_argument('--frames-iters', type=int, default=None,
                        help='timed steps from frames (default: --iters for demo, 3 for '
                        'vit-b16, whose frame encoder dominates)')
    parser.add_argument('--eval-videos', type=int, default=2,
                        help='whole videos embedded per measurement')
    parser.add_argument('--videos', type=int, default=2, help='ego and exo videos each')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (default 1: steady on a shared machine)')
    parser.add_argument('--work-dir', default=None, help='data and caches (default: temp)')
    parser.add_argument('--results-json', metavar='FILE', default=None,
                        help='also write the run as a results file for the docs')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def model_config(name, input_type=None):
    """The BYOV model config of a benchmark model, reading ``input_type``."""
    from mmengine.config import Config
    if name == 'demo':
        cfg = Config.fromfile(osp.join(ROOT, 'configs/byov/byov_tiny_synthetic_demo.py'))
        cfg = cfg.model.to_dict()
    else:
        cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/byov_vit-b16.py'))
        cfg = cfg.model.to_dict()
        cfg['stem']['frame_encoder'] = dict(type='CLIPVisionEncoder', pretrained=None,
                                            config=VIT_B16, chunk_size=64)
        _, cfg['num_frames'], _ = MODELS[name]
    if input_type:
        cfg['stem'] = dict(cfg['stem'], input_type=input_type)
        cfg['data_preprocessor'] = dict(cfg['data_preprocessor'], input_type=input_type)
    return cfg


def build_model(name, input_type=None, device='cpu'):
    import torch

    from byov.registry import MODELS as REGISTRY
    torch.manual_seed(0)  # the same random CLIP tower in every process
    return REGISTRY.build(model_config(name, input_type)).to(device)


def peak_rss_mb():
    """This process's peak resident memory (``VmHWM``; unlike ``ru_maxrss`` it starts
    afresh at ``exec``, so a worker does not inherit its parent's peak)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def prepare(args, work_dir):
    """Generate the data, decode it, build both caches per model; returns per model the
    cache keys, build seconds per frame and bytes per frame."""
    from byov.datasets import EgoExoVideoDataset
    from byov.datasets.feature_cache import FeatureCache, FeatureExtractor
    from byov.datasets.synthetic import generate_synthetic_egoexo
    data_root = osp.join(work_dir, 'synthetic')
    if not osp.isdir(data_root):
        generate_synthetic_egoexo(data_root, splits={'train': (args.videos, args.videos)},
                                  min_frames=20, max_frames=30, overwrite=True)
    info = {}
    for name in args.models:
        frame_size = MODELS[name][0]
        videos = EgoExoVideoDataset(data_root, 'train', osp.join(work_dir, 'frames'),
                                    frame_size=frame_size)
        total = sum(v['num_frames'] for v in videos.video_infos)
        model = build_model(name, device=args.device)
        cfg = model_config(name)
        stem = model.stem
        fingerprint = (stem.frame_encoder.fingerprint(), stem.frame_encoder.input_size)
        info[name] = dict(num_frames=total)
        for mode in ('exact', 'compact'):
            cache = FeatureCache(osp.join(work_dir, 'features'), mode,
                                 cfg['stem']['frame_encoder'], cfg['data_preprocessor'],
                                 cfg['stem']['token_selector'],
                                 frame_size=frame_size, fingerprint=fingerprint)
            extractor = FeatureExtractor(mode, stem.frame_encoder, model.data_preprocessor,
                                         stem.token_selector)
            start = time.perf_counter()
            stats = cache.build(videos.records, videos.frame_cache, extractor,
                                desc=f'{name} {mode} cache')
            seconds = time.perf_counter() - start
            nbytes = sum(osp.getsize(cache.path_for(r.path, r.view)) for r in videos.records)
            timing = osp.join(cache.root, 'build_seconds_per_frame.json')
            if stats['computed']:  # kept for reruns, which find the cache built
                with open(timing, 'w') as f:
                    json.dump(seconds / stats['frames'], f)
            build = None
            if osp.isfile(timing):
                with open(timing) as f:
                    build = json.load(f)
            info[name][mode] = dict(key=cache.key, bytes_per_frame=nbytes / total,
                                    build_s_per_frame=build)
    return data_root, info


def _loaders(name, mode, data_root, work_dir, key):
    """The training pairs and the whole videos, read as frames or from the cache."""
    from byov.datasets import EgoExoPairDataset, EgoExoVideoDataset
    frame_size, num_frames, _ = MODELS[name]
    common = dict(data_root=data_root, cache_dir=osp.join(work_dir, 'frames'),
                  frame_size=frame_size)
    if mode != 'frames':
        common['feature_cache'] = dict(cache_dir=osp.join(work_dir, 'features'), mode=mode,
                                       frame_encoder=None, key=key)
    load_clip, load_video = (('LoadClipFromCache', 'LoadVideoFromCache') if mode == 'frames'
                             else ('LoadClipFeatures', 'LoadVideoFeatures'))
    pairs = EgoExoPairDataset(seed=0, epoch_length=10 ** 6, **common, pipeline=[
        dict(type='SampleClipFrames', num_frames=num_frames), dict(type=load_clip),
        dict(type='PackEgoExoInputs')])
    videos = EgoExoVideoDataset(split='train', **common, pipeline=[
        dict(type=load_video), dict(type='PackEgoExoInputs')])
    return pairs, videos


def worker(spec):
    """One (model, input) measurement in this process; returns a dict."""
    import torch
    from mmengine.dataset import pseudo_collate
    if spec['threads']:
        torch.set_num_threads(spec['threads'])
    name, mode, device = spec['model'], spec['mode'], torch.device(spec['device'])
    pairs, videos = _loaders(name, mode, spec['data_root'], spec['work_dir'], spec['key'])
    model = build_model(name, INPUTS[mode], device)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 1e-4)
    batch_size = MODELS[name][2]

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    load_times, step_times, cpu_times = [], [], []
    for it in range(spec['iters'] + 1):  # the first is a warm-up
        start, cpu_start = time.perf_counter(), time.process_time()
        batch = pseudo_collate([pairs[it * batch_size + i] for i in range(batch_size)])
        loaded = time.perf_counter()
        data = model.data_preprocessor(batch, True)
        loss = sum(model(**data, mode='loss').values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        sync()
        if it:
            load_times.append(loaded - start)
            step_times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    model.eval()
    num_frames, start, cpu_start = 0, time.perf_counter(), time.process_time()
    for idx in range(min(spec['eval_videos'], len(videos))):
        with torch.no_grad():
            (out,) = model.test_step(pseudo_collate([videos[idx]]))
        num_frames += len(out.embeds)
    sync()
    eval_seconds, eval_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    clips = 2 * batch_size
    return dict(
        step_s=statistics.median(step_times), load_s=statistics.median(load_times),
        clips_per_s=clips / statistics.median(step_times),
        clips_per_cpu_s=clips / statistics.median(cpu_times),
        eval_frames_per_s=num_frames / eval_seconds,
        eval_frames_per_cpu_s=num_frames / eval_cpu,
        peak_rss_mb=peak_rss_mb(),
        peak_cuda_mb=(torch.cuda.max_memory_allocated(device) / 2 ** 20
                      if device.type == 'cuda' else None))


def run_worker(spec):
    cmd = [sys.executable, osp.abspath(__file__), '--worker', json.dumps(spec)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env=dict(os.environ, BYOV_NO_PROGRESS='1'))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    load_before = os.getloadavg()
    recorded = []
    from prettytable import PrettyTable
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='byov_feature_bench_')
    print(f'CPUs available: {len(os.sched_getaffinity(0))}, load average before: '
          f'{os.getloadavg()[0]:.2f}, device: {args.device}, work dir: {work_dir}', flush=True)
    data_root, info = prepare(args, work_dir)
    memory = 'peak CUDA MB' if args.device.startswith('cuda') else 'peak RSS MB'
    table = PrettyTable(['model', 'input', 'train clips/s', 'train ratio', 'clips/CPU-s',
                         'train CPU ratio', 'load ms/step', 'eval frames/s', 'eval ratio',
                         'frames/CPU-s', 'eval CPU ratio', memory, 'memory ratio',
                         'cache KiB/frame', 'build ms/frame'])
    table.align = 'r'
    for name in args.models:
        rows = {}
        for mode in INPUTS:
            iters = args.iters
            if mode == 'frames':
                iters = args.frames_iters or (3 if name == 'vit-b16' else args.iters)
            spec = dict(model=name, mode=mode, device=args.device, threads=args.threads,
                        iters=iters, eval_videos=args.eval_videos, data_root=data_root,
                        work_dir=work_dir, key=info[name].get(mode, {}).get('key'))
            rows[mode] = row = run_worker(spec)
            base = rows['frames']
            cache = info[name].get(mode, {})
            build = cache.get('build_s_per_frame')
            peak = row['peak_cuda_mb'] or row['peak_rss_mb']
            base_peak = base['peak_cuda_mb'] or base['peak_rss_mb']
            ratios = [f'{row[k] / base[k]:.1f}x' for k in (
                'clips_per_s', 'clips_per_cpu_s', 'eval_frames_per_s', 'eval_frames_per_cpu_s')]
            table.add_row([
                name, mode, f'{row["clips_per_s"]:.2f}', ratios[0],
                f'{row["clips_per_cpu_s"]:.2f}', ratios[1], f'{1000 * row["load_s"]:.1f}',
                f'{row["eval_frames_per_s"]:.0f}', ratios[2],
                f'{row["eval_frames_per_cpu_s"]:.0f}', ratios[3],
                f'{peak:.0f}', f'{peak / base_peak:.2f}x',
                f'{cache["bytes_per_frame"] / 1024:.1f}' if cache else '-',
                f'{1000 * build:.1f}' if build else '-'])
            print(f'{name} {mode}: {row}', flush=True)
            recorded.append(dict(row, model=name, input=mode, iters=iters,
                                 cache_bytes_per_frame=cache.get('bytes_per_frame'),
                                 build_s_per_frame=build))
    print(table)
    print(f'load average after: {os.getloadavg()[0]:.2f}')
    if args.results_json:
        sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
        from render_docs import record_run
        record_run(args.results_json, 'feature_cache_throughput',
                   'benchmarks/feature_cache_throughput.py', argv, load_before,
                   device=args.device, threads=args.threads, rows=recorded)


if __name__ == '__main__':
    main()
