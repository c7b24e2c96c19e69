"""The frame cache and the feature cache at AE2 scale: throughput, disk use, progress,
resumability after a kill, and whether the loader keeps a training step busy.

    python benchmarks/ae2_scale_cache.py [--work-dir DIR] [--size 64] [--frame-size 224] [--scale 1]
        [--results-json docs/results/ae2_scale_cache.json]

1. Generates a synthetic ego-exo set with Break Eggs' video counts (train 61 ego / 57
   exo, val 5 / 5, test 10 / 10; 60-120 frames per video, about 100 on average, like
   Break Eggs' ~12,000 training frames) at ``--size`` pixels (small, to bound the CPU
   time of rendering and decoding; decoding scales with the source resolution).
2. Frame cache: runs ``tools/data/build_frame_cache.py`` at ``--frame-size`` (224, the
   ViT input), SIGKILLs it once ``--kill-at`` of the videos are cached, reruns it to the
   end, then truncates one finished file (a damaged file under its final name) and reruns
   again. It reports frames/s (wall and per CPU-second of the tool), disk use, leftover
   temporary files, which finished files the rerun kept untouched (same inode and
   modification time) and that the damaged one was rebuilt.
3. Feature cache: the same with ``tools/data/build_feature_cache.py`` on the tiny demo's
   exact feature cache (``configs/byov/byov_tiny_feature-cache_synthetic_demo.py``; a
   ViT-B/16 on this CPU costs 1-2 s a frame, see docs/performance.md).
4. Loader: training pairs (``--clip-frames`` frames per clip, from the frame cache at
   ``--frame-size``) through a ``DataLoader`` with 0, 1 and 2 workers: items/s, items/s
   per worker, and MiB per item, to compare with a model's step time.

Every tool runs as a subprocess; "CPU s" is its CPU time (user + system).
"""
import argparse
import glob
import os
import os.path as osp
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
AE2_BREAK_EGGS = {'train': (61, 57), 'val': (5, 5), 'test': (10, 10)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default=None, help='default: a new temp folder')
    parser.add_argument('--size', type=int, default=64, help='rendered video size (px)')
    parser.add_argument('--frame-size', type=int, default=224, help='frame cache size')
    parser.add_argument('--scale', type=float, default=1.0,
                        help='multiply the video counts (e.g. 0.1 for a quick run)')
    parser.add_argument('--kill-at', type=float, default=0.4,
                        help='fraction of videos cached when the first build is killed')
    parser.add_argument('--clip-frames', type=int, default=32)
    parser.add_argument('--loader-items', type=int, default=40)
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--results-json', metavar='FILE', default=None,
                        help='also write the run as a results file for the docs '
                             '(kind ae2_scale_cache, e.g. docs/results/ae2_scale_cache.json)')
    return parser.parse_args(argv)


def child_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cache_files(root):
    """Final cache files (not temporaries) -> (inode, mtime_ns, size)."""
    out = {}
    for path in glob.glob(osp.join(root, '**', '*.npy'), recursive=True):
        st = os.stat(path)
        out[path] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def run_tool(cmd, cache_root, total, kill_at=None):
    """Run a cache tool; with ``kill_at``, SIGKILL it once that many files exist.
    Returns (seconds, CPU seconds, stderr text, killed)."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    cpu, start = child_cpu(), time.perf_counter()
    with tempfile.TemporaryFile('w+') as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env,
                                start_new_session=True, cwd=ROOT)
        killed = False
        while proc.poll() is None:
            if kill_at is not None and len(cache_files(cache_root)) >= kill_at:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                proc.wait()
                break
            time.sleep(0.2)
        err.seek(0)
        text = err.read()
    if not killed and proc.returncode:
        raise RuntimeError(f'{" ".join(cmd)} failed ({proc.returncode}):\n{text[-2000:]}')
    return time.perf_counter() - start, child_cpu() - cpu, text, killed


def disk_mb(root):
    return sum(os.path.getsize(p) for p in glob.glob(osp.join(root, '**', '*'), recursive=True)
               if osp.isfile(p)) / 2 ** 20


def kill_resume(name, cmd, cache_root, total, kill_at, rows):
    """Build with a kill, resume, damage one file and resume again; add three rows."""
    seconds, cpu, text, killed = run_tool(cmd, cache_root, total, kill_at)
    before = cache_files(cache_root)
    temps = glob.glob(osp.join(cache_root, '**', '*.tmp'), recursive=True)
    rows.append(dict(cache=name, run='killed', wall_s=seconds, cpu_s=cpu,
                     disk_mb=disk_mb(cache_root), killed=killed, cached=len(before),
                     total=total, tmp_left=len(temps)))
    seconds, cpu, text, _ = run_tool(cmd, cache_root, total)
    after = cache_files(cache_root)
    kept = sum(after.get(p) == v for p, v in before.items())
    frames = sum(len(np.load(p, mmap_mode='r')) for p, v in after.items()
                 if before.get(p) != v)
    rows.append(dict(cache=name, run='resumed', wall_s=seconds, cpu_s=cpu,
                     disk_mb=disk_mb(cache_root), built=len(after) - kept, kept=kept,
                     files=len(after), total=total, frames=frames,
                     progress_updates=text.count('\r') + text.count('\n')))
    victim = sorted(after)[0]
    with open(victim, 'r+b') as f:
        f.truncate(os.path.getsize(victim) // 2)
    seconds, cpu, text, _ = run_tool(cmd, cache_root, total)
    final = cache_files(cache_root)
    rows.append(dict(cache=name, run='truncated', wall_s=seconds, cpu_s=cpu,
                     disk_mb=disk_mb(cache_root),
                     rebuilt=final[victim] != after[victim]
                     and final[victim][2] == after[victim][2],
                     untouched=sum(final[p] == after[p] for p in after if p != victim),
                     others=len(after) - 1,
                     warned='unreadable' in text or 'rebuilding' in text
                     or 'recomput' in text))
    return len(final)


def table_rows(rows):
    """The printed table's cells of each row."""
    out = []
    for r in rows:
        wall = f'{r["wall_s"]:.1f}' if 'wall_s' in r else '-'
        cpu = f'{r["cpu_s"]:.1f}' if 'cpu_s' in r else '-'
        if r['run'] == 'killed':
            out.append([r['cache'], 'build, SIGKILLed', f'{r["cached"]}/{r["total"]} videos',
                        wall, cpu, '-', f'{r["disk_mb"]:.0f}',
                        f'killed={r["killed"]}; {r["tmp_left"]} *.tmp left'])
        elif r['run'] == 'resumed':
            out.append([r['cache'], 'rerun (resume)', f'{r["built"]} built, {r["kept"]} kept',
                        wall, cpu, f'{r["frames"] / r["wall_s"]:.0f} / '
                        f'{r["frames"] / r["cpu_s"]:.0f}', f'{r["disk_mb"]:.0f}',
                        f'{r["files"]}/{r["total"]} files; {r["progress_updates"]} '
                        'progress updates'])
        elif r['run'] == 'truncated':
            out.append([r['cache'], 'rerun, 1 file truncated', f'1 rebuilt: {r["rebuilt"]}',
                        wall, cpu, '-', f'{r["disk_mb"]:.0f}',
                        f'{r["untouched"]}/{r["others"]} others untouched; warning printed: '
                        f'{r["warned"]}'])
        elif r['run'] == 'disk per frame':
            out.append([r['cache'], 'disk per frame', '-', '-', '-', '-',
                        f'{r["kib_per_frame"]:.1f} KiB', f'{r["frames"]} frames'])
        else:  # loader
            rate = r['items'] / r['wall_s']
            out.append(['loader', f'{r["workers"]} workers', f'{r["items"]} pairs', wall,
                        '-', f'{rate:.1f} pairs/s', f'{r["mb_per_item"]:.1f} MiB/pair',
                        f'{rate / max(1, r["workers"]):.1f} pairs/s per worker; '
                        f'{1000 / rate:.0f} ms per pair'])
    return out


def write_config(path, base, frame_size, data_root, cache_dir, feature_dir=None):
    """The base config with every loader's frame size, data root and caches set (the
    fit splits of the evaluation loops included, as --data-root does)."""
    from mmengine.config import Config

    from byov.datasets.config_utils import iter_loaders, setup_data
    cfg = Config.fromfile(base)
    setup_data(cfg, data_root, cache_dir)
    for _, dataset in iter_loaders(cfg):
        dataset['frame_size'] = frame_size
        if feature_dir and dataset.get('feature_cache'):
            dataset['feature_cache']['cache_dir'] = feature_dir
    cfg.dump(path)
    return path


def loader_rows(args, data_root, frame_dir, rows):
    import torch
    from mmengine.dataset import pseudo_collate

    from byov.datasets import EgoExoPairDataset
    dataset = EgoExoPairDataset(data_root=data_root, cache_dir=frame_dir,
                                frame_size=args.frame_size, seed=0, epoch_length=10 ** 6,
                                pipeline=[dict(type='SampleClipFrames',
                                               num_frames=args.clip_frames),
                                          dict(type='LoadClipFromCache'),
                                          dict(type='PackEgoExoInputs')])
    item = dataset[0]
    nbytes = sum(v.numel() * v.element_size() for v in item['inputs'].values()
                 if torch.is_tensor(v)) if isinstance(item['inputs'], dict) else \
        item['inputs'].numel() * item['inputs'].element_size()
    for workers in args.workers:
        loader = torch.utils.data.DataLoader(dataset, batch_size=1, num_workers=workers,
                                             collate_fn=pseudo_collate)
        it = iter(loader)
        next(it)  # workers started, first item
        start = time.perf_counter()
        for _ in range(args.loader_items):
            next(it)
        seconds = time.perf_counter() - start
        del it, loader
        rows.append(dict(cache='loader', run='loader', workers=workers,
                         items=args.loader_items, wall_s=seconds,
                         mb_per_item=nbytes / 2 ** 20))


def main(argv=None):
    args = parse_args(argv)
    from prettytable import PrettyTable

    from byov.datasets.synthetic import generate_synthetic_egoexo
    work = args.work_dir or tempfile.mkdtemp(prefix='byov_ae2_cache_')
    counts = {s: tuple(max(1, round(n * args.scale)) for n in c)
              for s, c in AE2_BREAK_EGGS.items()}
    total = sum(a + b for a, b in counts.values())
    load_before = os.getloadavg()
    print(f'work dir {work}; videos {counts} ({total}); rendered at {args.size}px; '
          f'frame cache at {args.frame_size}px; CPUs {len(os.sched_getaffinity(0))}, '
          f'load average {os.getloadavg()[0]:.1f}', flush=True)
    data_root = osp.join(work, 'data')
    start = time.perf_counter()
    for name in ('frames', 'features', 'frames_small'):  # this script's caches: rebuilt
        if osp.isdir(osp.join(work, name)):
            print(f'removing the previous run\'s {osp.join(work, name)}', flush=True)
            shutil.rmtree(osp.join(work, name))
    reused = osp.isdir(data_root)
    if not reused:
        generate_synthetic_egoexo(data_root, splits=counts, ego_size=(args.size, args.size),
                                  exo_size=(args.size, args.size), supersample=1)
    from byov.datasets.ae2 import load_labels
    frames = sum(len(v) for v in load_labels(data_root).values())
    generate_s = None if reused else time.perf_counter() - start
    print(f'{total} videos, {frames} frames ' + (f'reused from {data_root}' if reused else
                                                 f'generated in {generate_s:.0f} s'),
          flush=True)
    rows = []

    frame_dir = osp.join(work, 'frames')
    cfg = write_config(osp.join(work, 'frames_cfg.py'),
                       osp.join(ROOT, 'configs/byov/byov_tiny_synthetic_demo.py'),
                       args.frame_size, data_root, frame_dir)
    cmd = [sys.executable, osp.join(ROOT, 'tools/data/build_frame_cache.py'), cfg]
    kill_resume(f'frame cache {args.frame_size}px', cmd, frame_dir, total,
                round(args.kill_at * total), rows)
    rows.append(dict(cache='frame cache', run='disk per frame', frames=frames,
                     kib_per_frame=disk_mb(frame_dir) * 1024 / frames))

    feature_dir = osp.join(work, 'features')
    small_frames = osp.join(work, 'frames_small')
    cfg = write_config(osp.join(work, 'features_cfg.py'), osp.join(
        ROOT, 'configs/byov/byov_tiny_feature-cache_synthetic_demo.py'), 64, data_root,
        small_frames, feature_dir)
    cmd = [sys.executable, osp.join(ROOT, 'tools/data/build_feature_cache.py'), cfg,
           '--device', 'cpu']
    kill_resume('feature cache (demo, exact)', cmd, feature_dir, total,
                round(args.kill_at * total), rows)
    rows.append(dict(cache='feature cache', run='disk per frame', frames=frames,
                     kib_per_frame=disk_mb(feature_dir) * 1024 / frames))

    loader_rows(args, data_root, frame_dir, rows)
    table = PrettyTable(['cache', 'run', 'videos / items', 'wall s', 'CPU s',
                         'frames/s (wall / CPU)', 'disk MiB', 'note'])
    table.align = 'l'
    for row in table_rows(rows):
        table.add_row(row)
    print(table)
    print(f'load average after: {os.getloadavg()[0]:.1f}')
    if args.results_json:
        sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
        from render_docs import record_run
        record_run(args.results_json, 'ae2_scale_cache', 'benchmarks/ae2_scale_cache.py',
                   sys.argv[1:] if argv is None else argv, load_before,
                   videos={k: list(v) for k, v in counts.items()}, total_videos=total,
                   frames=frames, generate_s=generate_s, render_size=args.size,
                   frame_size=args.frame_size, clip_frames=args.clip_frames,
                   kill_at=args.kill_at, rows=rows)
    return rows


if __name__ == '__main__':
    sys.path.insert(0, ROOT)
    main()
