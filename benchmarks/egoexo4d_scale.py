"""Ego-Exo4D at the release's scale: index time, peak memory, memory while loading.

    python benchmarks/egoexo4d_scale.py [--root DIR] [--num-takes 5000] [--feature-dim 4]
        [--results-json docs/results/egoexo4d_scale.json]

1. Generates (unless ``--root`` holds one) an Ego-Exo4D root in the official format with
   ``--num-takes`` takes (the release has 5,035), four scenarios, one Aria and four GoPros
   per take, takes of 30-400 s, every take entry with the documented fields and every
   train / val take keystep-annotated (the release annotates only its procedural takes,
   so these annotation files are larger than the release's), and tiny features
   (``--feature-dim`` numbers a step) so that the files' count and step counts are the
   release's kind while the disk stays small.
2. In a fresh process each (so peak memory is the step's own): builds the index of the
   train and val splits with an empty cache (every feature file's header read once), then
   again from the cache; records wall time, streams and peak resident memory.
3. Reads training pairs (batch 4, 'unpaired') and whole val streams through a
   ``DataLoader`` and records resident memory after the first batches and at the end:
   memory bounded by the batch stays flat.
"""
import argparse
import json
import os
import os.path as osp
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--root', help='an Ego-Exo4D root to use, or where to generate one '
                                  '(default: a new temporary folder)')
    p.add_argument('--num-takes', type=int, default=5000)
    p.add_argument('--feature-dim', type=int, default=4)
    p.add_argument('--pair-batches', type=int, default=500)
    p.add_argument('--video-items', type=int, default=1000)
    p.add_argument('--results-json', help='write the results here')
    p.add_argument('--child', nargs='+', help=argparse.SUPPRESS)
    return p.parse_args(argv)


def rss_mb() -> float:
    """Resident memory now (MiB), from /proc."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode, root, cache_dir, feature_dim, count):
    """One measured step, in its own process; prints one JSON line."""
    import torch
    torch.set_num_threads(1)
    from byov.datasets.egoexo4d import EgoExo4DKeystepDataset, EgoExo4DPairDataset
    settings = dict(data_root=root, cache_dir=cache_dir, feature_dim=feature_dim)
    base = dict(rss_after_imports_mb=round(rss_mb(), 1))
    if mode == 'index':
        out = {}
        start = time.perf_counter()
        for split in ('train', 'val'):
            t0 = time.perf_counter()
            ds = EgoExo4DKeystepDataset(split=split, **settings)
            out[split] = dict(seconds=round(time.perf_counter() - t0, 2), streams=len(ds),
                              steps=int(sum(ds.get_data_info(i)['num_frames']
                                            for i in range(len(ds)))))
        out.update(base, seconds=round(time.perf_counter() - start, 2),
                   rss_end_mb=round(rss_mb(), 1), peak_rss_mb=round(peak_mb(), 1))
        print(json.dumps(out))
        return
    from torch.utils.data import DataLoader
    from mmengine.dataset import pseudo_collate
    if mode == 'pairs':
        ds = EgoExo4DPairDataset(split='train', pairing='unpaired', seed=0, **settings)
        loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=0,
                            collate_fn=pseudo_collate)
    else:
        ds = EgoExo4DKeystepDataset(split='val', **settings)
        loader = DataLoader(ds, batch_size=1, shuffle=False, num_workers=0,
                            collate_fn=pseudo_collate)
    samples, marks = 0, {}
    start = time.perf_counter()
    for i, batch in enumerate(loader):
        samples += len(batch['inputs'])
        if i + 1 == 20:
            marks['rss_after_20_batches_mb'] = round(rss_mb(), 1)
        if i + 1 >= count:
            break
    print(json.dumps(dict(base, mode=mode, batches=i + 1, items=samples,
                          seconds=round(time.perf_counter() - start, 2), **marks,
                          rss_end_mb=round(rss_mb(), 1), peak_rss_mb=round(peak_mb(), 1))))


def run_child(*args):
    cmd = [sys.executable, osp.abspath(__file__), '--child', *map(str, args)]
    env = dict(os.environ, OMP_NUM_THREADS='1', BYOV_NO_PROGRESS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode:
        sys.exit(f'{" ".join(cmd)} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def file_sizes(root):
    from byov.datasets.egoexo4d import format as fmt
    names = [fmt.TAKES_FILE, fmt.SPLITS_FILE, fmt.KEYSTEP_FILE.format(split='train'),
             fmt.KEYSTEP_FILE.format(split='val'), fmt.SEGMENT_FILE.format(split='train'),
             fmt.SEGMENT_FILE.format(split='val'), fmt.LABEL_MAPPING_FILE]
    sizes = {n: round(osp.getsize(osp.join(root, n)) / 2 ** 20, 2) for n in names}
    feature_dir = osp.join(root, fmt.FEATURE_DIR)
    files = os.listdir(feature_dir)
    sizes['features (all files)'] = round(sum(
        osp.getsize(osp.join(feature_dir, f)) for f in files) / 2 ** 20, 1)
    return sizes, len(files)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        mode, root, cache_dir, dim, count = args.child
        child(mode, root, cache_dir, int(dim), int(count))
        return
    load_before = os.getloadavg()
    scratch = tempfile.mkdtemp(prefix='byov_egoexo4d_scale_')
    root = args.root or osp.join(scratch, 'egoexo4d')
    generate_s = None
    if not osp.isfile(osp.join(root, 'takes.json')):
        from byov.datasets.egoexo4d.generate import write_egoexo4d_root
        print(f'Generating {args.num_takes} takes into {root} ...', flush=True)
        start = time.perf_counter()
        write_egoexo4d_root(root, num_takes=args.num_takes, scenarios=4, exo_cameras=4,
                            feature_dim=args.feature_dim, duration_range=(30.0, 400.0),
                            seed=0)
        generate_s = round(time.perf_counter() - start, 1)
    with open(osp.join(root, 'takes.json')) as f:
        num_takes = len(json.load(f))
    sizes, num_files = file_sizes(root)
    cache_dir = osp.join(scratch, 'cache')
    print('index, cold cache ...', flush=True)
    cold = run_child('index', root, cache_dir, args.feature_dim, 0)
    print('index, from the cache ...', flush=True)
    warm = run_child('index', root, cache_dir, args.feature_dim, 0)
    print('training pairs ...', flush=True)
    pairs = run_child('pairs', root, cache_dir, args.feature_dim, args.pair_batches)
    print('whole streams ...', flush=True)
    videos = run_child('videos', root, cache_dir, args.feature_dim, args.video_items)
    record = dict(num_takes=num_takes, feature_files=num_files, feature_dim=args.feature_dim,
                  generate_s=generate_s, file_sizes_mb=sizes, index_cold=cold,
                  index_cached=warm, pairs=pairs, videos=videos)
    print(json.dumps(record, indent=1))
    if args.results_json:
        from tools.analysis.render_docs import record_run
        record_run(args.results_json, 'egoexo4d_scale', 'benchmarks/egoexo4d_scale.py',
                   [a for a in (argv if argv is not None else sys.argv[1:])
                    if not a.startswith(scratch)], load_before, **record)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == '__main__':
    main()
