"""GPU readiness check: training speed and memory of the ViT-B/16 BYOV model, feature
extraction speed and a 2-process all-reduce, printed as one table.

    python benchmarks/gpu_check.py                       # on a CUDA machine: full shapes
    python benchmarks/gpu_check.py --shape tiny --device cpu --iters 2   # smoke test

What it measures, each in this one process (``--device``):

- ``train``: iterations/s (median step time after one warm-up) and peak memory of BYOV
  built from a shipped config (``--config``, default ``configs/byov/byov_break_eggs.py``,
  via mmengine's ``Config`` and byov's ``MODELS.build``) with a *random* CLIP tower of
  the ViT-B/16 shape (nothing downloaded), 32 frames per clip, batch 1 and 4, for input
  ``frames`` (the frozen ViT runs every step) and ``cache`` (patch tokens read from the
  exact feature cache), with and without AMP (float16 autocast and a gradient scaler on
  CUDA, bfloat16 autocast on a CPU). A step reads the batch through the real datasets
  and pipelines, preprocesses, runs forward, backward and an Adam step.
- ``extract``: building the exact feature cache (frames/s through the frame encoder,
  written to disk) from a generated synthetic set.
- ``all-reduce``: with two GPUs (or ``--dist-backend gloo``), two processes all-reduce a
  float32 tensor, checking the sum, and report its bus bandwidth.

Peak memory is ``torch.cuda.max_memory_allocated`` per row on CUDA; on a CPU it is the
process's peak resident memory so far (it only grows from row to row). ``--shape tiny``
shrinks the CLIP tower, frames and clips so that the check runs on a CPU in seconds
(``tests/benchmarks/test_gpu_check.py`` does so, so that it cannot rot).
``--results-json FILE`` writes the run (kind ``gpu_check``: the command, the machine's
cores and load, the device, torch's version, every row) for
``tools/analysis/render_docs.py``, e.g. ``docs/results/gpu_check_cpu.json`` or, on a
GPU, ``docs/results/gpu_check_cuda.json``.
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHAPES = {  # the CLIP tower, frame size and frames per clip of each shape
    'vit-b16': dict(clip=dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                              intermediate_size=3072, image_size=224, patch_size=16),
                    num_frames=32),
    'tiny': dict(clip=dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=64, image_size=32, patch_size=16),
                 num_frames=8),
}
#: the CLIP width the shipped ViT-B/16 configs are written for (in/out channels)
CONFIG_WIDTH = 768


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=osp.join(ROOT, 'configs/byov/byov_break_eggs.py'),
                        help='a BYOV config on a CLIP ViT-B/16 (its model is built)')
    parser.add_argument('--device', default=None, help='default: cuda if available')
    parser.add_argument('--shape', choices=sorted(SHAPES), default=None,
                        help='default: vit-b16 on CUDA, tiny on a CPU')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 4])
    parser.add_argument('--iters', type=int, default=10, help='timed steps per row')
    parser.add_argument('--amp', choices=['off', 'on', 'both'], default='both')
    parser.add_argument('--inputs', nargs='+', choices=['frames', 'cache'],
                        default=['frames', 'cache'])
    parser.add_argument('--videos', type=int, default=2,
                        help='ego and exo videos of the generated set (each)')
    parser.add_argument('--dist-backend', choices=['nccl', 'gloo', 'none'], default=None,
                        help='all-reduce check; default: nccl with 2+ GPUs, else none')
    parser.add_argument('--allreduce-mb', type=float, default=256.0)
    parser.add_argument('--work-dir', default=None, help='data and caches (default: temp)')
    parser.add_argument('--json', default=None, help='also write the rows to this file')
    parser.add_argument('--results-json', metavar='FILE', default=None,
                        help='also write the run as a results file for the docs')
    parser.add_argument('--allreduce-worker', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _shrink(node, shape):
    """The config with a random CLIP tower of ``shape`` and its clip length, found by
    value (not by key path), so that it follows the config's layout."""
    if isinstance(node, list):
        return [_shrink(v, shape) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _shrink(v, shape) for k, v in node.items()}
    if out.get('type') == 'CLIPVisionEncoder':
        out.update(pretrained=None, config=dict(shape['clip']))
    width = shape['clip']['hidden_size']
    for key in ('in_channels', 'out_channels'):
        if out.get(key) == CONFIG_WIDTH:
            out[key] = width
    if 'num_frames' in out and isinstance(out['num_frames'], int):
        out['num_frames'] = shape['num_frames']
    if out.get('type') == 'EgoExoDataPreprocessor' and 'size' in out:
        out['size'] = shape['clip']['image_size']
    return out


def model_config(config_file, shape, input_type=None):
    from mmengine.config import Config
    cfg = _shrink(Config.fromfile(config_file).model.to_dict(), shape)
    if input_type:
        cfg['stem'] = dict(cfg['stem'], input_type=input_type)
        cfg['data_preprocessor'] = dict(cfg['data_preprocessor'], input_type=input_type)
    return cfg


def build_model(cfg, device):
    import torch

    from byov.registry import MODELS
    torch.manual_seed(0)  # the same random CLIP tower every time (one cache key)
    return MODELS.build(copy.deepcopy(cfg)).to(device)


def peak_memory_mb(device):
    import torch
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2 ** 20
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def prepare(args, shape, device, work_dir):
    """A small synthetic set, its frame cache and its exact feature cache; returns the
    data root, the cache key and the extraction row."""
    from byov.datasets import EgoExoVideoDataset
    from byov.datasets.feature_cache import FeatureCache, FeatureExtractor
    from byov.datasets.synthetic import generate_synthetic_egoexo
    size = shape['clip']['image_size']
    data_root = osp.join(work_dir, 'synthetic')
    if not osp.isdir(data_root):
        frames = max(shape["num_frames"] + 2, 15)  # the generator's minimum
        generate_synthetic_egoexo(data_root, splits={'train': (args.videos, args.videos)},
                                  min_frames=frames, max_frames=frames + 8, overwrite=True)
    videos = EgoExoVideoDataset(data_root, 'train', osp.join(work_dir, 'frames'),
                                frame_size=size)
    cfg = model_config(args.config, shape)
    model = build_model(cfg, device)
    fingerprint = (model.stem.frame_encoder.fingerprint(), model.stem.frame_encoder.input_size)
    cache = FeatureCache(osp.join(work_dir, 'features'), 'exact', cfg['stem']['frame_encoder'],
                         cfg['data_preprocessor'], cfg['stem']['token_selector'], frame_size=size,
                         fingerprint=fingerprint)
    for rec in videos.records:  # decode first: extraction alone is timed
        videos.frame_cache.load(rec.path, rec.view)
    extractor = FeatureExtractor('exact', model.stem.frame_encoder, model.data_preprocessor)
    for rec in videos.records:  # remeasure on every run
        path = cache.path_for(rec.path, rec.view)
        if osp.exists(path):
            os.remove(path)
    sync(device)
    start = time.perf_counter()
    stats = cache.build(videos.records, videos.frame_cache, extractor, desc='extract')
    sync(device)
    seconds = time.perf_counter() - start
    row = dict(check='extract', input='frames -> cache', batch='-', amp='off',
               rate=stats['frames'] / seconds, unit='frames/s',
               peak_mb=peak_memory_mb(device),
               note=f'{stats["frames"]} frames, {len(videos.records)} videos')
    return data_root, cache.key, row


def sync(device):
    import torch
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def train_row(args, shape, device, data_root, work_dir, key, source, batch_size, amp):
    """Time training steps; returns the table row."""
    import torch
    from mmengine.dataset import pseudo_collate

    from byov.datasets import EgoExoPairDataset
    size = shape['clip']['image_size']
    common = dict(data_root=data_root, cache_dir=osp.join(work_dir, 'frames'),
                  frame_size=size)
    load = 'LoadClipFromCache'
    if source == 'cache':
        common['feature_cache'] = dict(cache_dir=osp.join(work_dir, 'features'),
                                       mode='exact', frame_encoder=None, key=key)
        load = 'LoadClipFeatures'
    pairs = EgoExoPairDataset(seed=0, epoch_length=10 ** 6, **common, pipeline=[
        dict(type='SampleClipFrames', num_frames=shape['num_frames']), dict(type=load),
        dict(type='PackEgoExoInputs')])
    cfg = model_config(args.config, shape, 'patch_tokens' if source == 'cache' else None)
    model = build_model(cfg, device)
    model.train()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 1e-5)
    cuda = device.type == 'cuda'
    scaler = torch.amp.GradScaler('cuda', enabled=amp and cuda)
    dtype = torch.float16 if cuda else torch.bfloat16
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    times, losses = [], []
    for it in range(args.iters + 1):  # the first is a warm-up
        batch = pseudo_collate([pairs[it * batch_size + i] for i in range(batch_size)])
        sync(device)
        start = time.perf_counter()
        data = model.data_preprocessor(batch, True)
        with torch.autocast(device.type, dtype=dtype, enabled=amp):
            loss = sum(model(**data, mode='loss').values())
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        sync(device)
        if it:
            times.append(time.perf_counter() - start)
        losses.append(float(loss.detach()))
    if not all(map(lambda v: v == v and abs(v) != float('inf'), losses)):
        raise RuntimeError(f'gpu_check: non-finite training loss ({source}, batch '
                           f'{batch_size}, amp {amp}): {losses}')
    step = statistics.median(times)
    return dict(check='train', input=source, batch=batch_size, amp='on' if amp else 'off',
                rate=1 / step, unit='it/s', peak_mb=peak_memory_mb(device),
                note=f'{shape["num_frames"]} frames/clip, step {1000 * step:.1f} ms, '
                     f'loss {losses[-1]:.4f}')


def _allreduce_worker(rank, world, backend, numel, port, out_file):
    import torch
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group(backend, rank=rank, world_size=world)
    device = torch.device('cuda', rank) if backend == 'nccl' else torch.device('cpu')
    if backend == 'nccl':
        torch.cuda.set_device(device)
    tensor = torch.full((numel,), float(rank + 1), device=device)
    dist.all_reduce(tensor)  # warm-up
    times = []
    for _ in range(5):
        tensor.fill_(float(rank + 1))
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(tensor)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    expected = world * (world + 1) / 2
    correct = bool(torch.all(tensor == expected))
    if rank == 0:
        with open(out_file, 'w') as f:
            json.dump(dict(seconds=statistics.median(times), correct=correct), f)
    dist.destroy_process_group()


def allreduce_row(backend, megabytes, work_dir):
    import socket

    import subprocess
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    numel = max(1, int(megabytes * 2 ** 20 / 4))
    out_file = osp.join(work_dir, 'allreduce.json')
    procs = [subprocess.Popen([sys.executable, osp.abspath(__file__), '--allreduce-worker',
                               json.dumps([rank, 2, backend, numel, port, out_file])])
             for rank in range(2)]
    codes = [proc.wait(timeout=600) for proc in procs]
    if any(codes):
        raise RuntimeError(f'gpu_check: the {backend} all-reduce processes exited with '
                           f'{codes}')
    with open(out_file) as f:
        result = json.load(f)
    if not result['correct']:
        raise RuntimeError(f'gpu_check: {backend} all-reduce gave a wrong sum')
    # bus bandwidth of a ring all-reduce: 2 (n - 1) / n x bytes / time
    bandwidth = 2 * (2 - 1) / 2 * numel * 4 / result['seconds'] / 1e9
    return dict(check='all-reduce', input=f'{backend}, 2 processes', batch='-', amp='-',
                rate=bandwidth, unit='GB/s (bus)', peak_mb=None,
                note=f'{numel * 4 / 2 ** 20:.1f} MB float32, sum checked, '
                     f'{1000 * result["seconds"]:.2f} ms')


def run(args):
    """All rows of the check, in table order."""
    import torch
    device = torch.device(args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    shape = SHAPES[args.shape or ('vit-b16' if device.type == 'cuda' else 'tiny')]
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='byov_gpu_check_')
    backend = args.dist_backend
    if backend is None:
        backend = 'nccl' if device.type == 'cuda' and torch.cuda.device_count() >= 2 else 'none'
    data_root, key, extract = prepare(args, shape, device, work_dir)
    rows = []
    amps = {'off': [False], 'on': [True], 'both': [False, True]}[args.amp]
    for source in args.inputs:
        for batch_size in args.batch_sizes:
            for amp in amps:
                rows.append(train_row(args, shape, device, data_root, work_dir, key, source,
                                      batch_size, amp))
                print(json.dumps(rows[-1]), flush=True)
    rows.append(extract)
    if backend != 'none':
        rows.append(allreduce_row(backend, args.allreduce_mb, work_dir))
    else:
        rows.append(dict(check='all-reduce', input='-', batch='-', amp='-', rate=None,
                         unit='-', peak_mb=None, note='skipped: needs 2 GPUs (or '
                         '--dist-backend gloo)'))
    return device, shape, rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.allreduce_worker:
        return _allreduce_worker(*json.loads(args.allreduce_worker))
    load_before = os.getloadavg()
    device, shape, rows = run(args)
    import torch
    from prettytable import PrettyTable
    name = 'tiny (smoke test)' if shape is SHAPES['tiny'] else 'ViT-B/16'
    where = torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'
    print(f'gpu_check on {where} ({device}), torch {torch.__version__}, model {name} from '
          f'{osp.relpath(args.config, ROOT)}, {args.iters} timed steps per row')
    memory = 'peak CUDA MB' if device.type == 'cuda' else 'peak RSS MB (process)'
    table = PrettyTable(['check', 'input', 'batch', 'amp', 'rate', 'unit', memory, 'note'])
    table.align = 'r'
    table.align['note'] = table.align['check'] = table.align['input'] = 'l'
    for row in rows:
        table.add_row([row['check'], row['input'], row['batch'], row['amp'],
                       '-' if row['rate'] is None else f'{row["rate"]:.3g}', row['unit'],
                       '-' if row['peak_mb'] is None else f'{row["peak_mb"]:.0f}',
                       row['note']])
    print(table)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(device=where, shape=args.shape, rows=rows), f, indent=1)
    if args.results_json:
        sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
        from render_docs import record_run
        record_run(args.results_json, 'gpu_check', 'benchmarks/gpu_check.py', argv,
                   load_before, device=where, torch=torch.__version__, shape=name,
                   iters=args.iters, rows=rows)
    return rows


if __name__ == '__main__':
    sys.path.insert(0, ROOT)
    main()
