"""The main job, end to end on the built-in synthetic benchmark, on a CPU.

1. generate the synthetic ego-exo benchmark if it is absent;
2. train the CPU demo config (BYOV with a weight-free tiny frame encoder);
3. evaluate on the test split, side by side: the frozen frame features, the time-only
   baseline (embedding = t/L, no pixels), the untrained (randomly initialised) encoder,
   and the trained BYOV;
4. print one table (and write it as Markdown and JSON into the work dir).

    python tools/run_demo.py [--work-dir work_dirs/demo] [--epochs N]

Every step shows its progress on the console (a bar, or a line every few seconds with
the loss and the time left); each tool's whole output, and its log file with the
environment and config, are in the work dir.

What it shows and what it does not: see docs/getting_started.md. The tiny frame
encoder has no semantic features, so expect BYOV to stay near its untrained encoder and
every row to be read against the time-only floor.
"""
import argparse
import json
import os
import os.path as osp
import queue
import subprocess
import sys
import threading
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = 'configs/byov/byov_tiny_synthetic_demo.py'
ROWS = [  # (row name, config, checkpoint: None = no weights, 'trained' = the demo run's)
    ('frozen frame features', 'configs/baselines/frozen_features_tiny_synthetic.py', None),
    ('time only (t/L)', 'configs/baselines/time_only_synthetic.py', None),
    ('BYOV untrained', DEMO_CONFIG, None),
    ('BYOV trained', DEMO_CONFIG, 'trained'),
]
HEARTBEAT_S = 10  # the longest the console stays silent while a tool runs
# printed under the table: why BYOV can sit below the time-only row here
TABLE_NOTE = (
    "Note: 'time only (t/L)' embeds a frame as its position alone: the floor a method must "
    "beat.\nThe demo's frame encoder is a random patch projection, so BYOV stays near its "
    "untrained encoder and that floor.\nMore: README.md (Quick start), "
    "docs/evaluation_protocol.md (Time leakage).")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/synthetic_egoexo',
                        help='where the synthetic benchmark lives (generated if absent)')
    parser.add_argument('--cache-dir', default=None,
                        help='frame cache folder (default: the config\'s, data/cache/frames)')
    parser.add_argument('--epochs', type=int, default=None,
                        help='override the demo schedule (train_cfg.max_epochs)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--skip-train', action='store_true',
                        help='reuse the last checkpoint in the work dir')
    return parser.parse_args()


def run(cmd, log_path, quiet_for=HEARTBEAT_S):
    """Run a tool in its own process (own logger and default scope). Its output goes to
    the console as it comes (progress bars included) and to ``log_path``; after
    ``quiet_for`` seconds without output (e.g. while it imports its libraries) a line
    says it is still running."""
    print('$ ' + ' '.join(cmd), flush=True)
    start = time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks = queue.Queue()
    reader = threading.Thread(target=_read_chunks, args=(proc.stdout, chunks), daemon=True)
    reader.start()
    console = getattr(sys.stdout, 'buffer', None)
    with open(log_path, 'w') as log:
        lines = _LogLines(log)
        last, line_start = time.time(), True
        while True:
            try:
                chunk = chunks.get(timeout=1)
            except queue.Empty:
                if time.time() - last >= quiet_for:
                    print(f'{"" if line_start else chr(10)}  ... {cmd[1]} still running '
                          f'({time.time() - start:.0f} s)', flush=True)
                    last, line_start = time.time(), True
                continue
            if chunk is None:
                break
            last, line_start = time.time(), chunk.endswith(b'\n')
            if console is not None:
                console.write(chunk)
                console.flush()
            lines.feed(chunk)
        lines.close()
    returncode = proc.wait()
    if returncode != 0:
        with open(log_path) as log:
            tail = ''.join(log.readlines()[-40:])
        sys.exit(f'{cmd[1]} failed (exit {returncode}); last lines of {log_path}:\n'
                 f'{tail}')
    print(f'  done in {time.time() - start:.0f} s (log: {log_path})', flush=True)


def _read_chunks(stream, chunks):
    for chunk in iter(lambda: stream.read1(4096), b''):
        chunks.put(chunk)
    chunks.put(None)


class _LogLines:
    """Writes the text a terminal would keep: of a line redrawn with carriage returns
    (a progress bar), only its last state; blank lines are dropped."""

    def __init__(self, file):
        self.file = file
        self.pending = b''

    def feed(self, chunk: bytes) -> None:
        *lines, self.pending = (self.pending + chunk).split(b'\n')
        for line in lines:
            self._write(line)

    def close(self) -> None:
        self._write(self.pending)
        self.pending = b''

    def _write(self, line: bytes) -> None:
        text = line.rstrip(b'\r').split(b'\r')[-1].decode(errors='replace').rstrip()
        if text:
            self.file.write(text + '\n')


def with_heartbeat(what, fn, quiet_for=HEARTBEAT_S):
    """Call ``fn()`` in a thread; while it runs, print a line every ``quiet_for`` s."""
    outcome = {}

    def call():
        try:
            outcome['value'] = fn()
        except BaseException as error:  # re-raised below, in the caller's thread
            outcome['error'] = error

    worker = threading.Thread(target=call, daemon=True)
    start = time.time()
    worker.start()
    while True:
        worker.join(quiet_for)
        if not worker.is_alive():
            break
        print(f'  ... {what} ({time.time() - start:.0f} s)', flush=True)
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']


def ensure_dataset(data_root, seed):
    print('Loading byov (torch, mmengine, mmaction2) ...', flush=True)
    synthetic = with_heartbeat('loading byov', _import_synthetic)
    LABEL_FILE, generate_synthetic_egoexo = (synthetic.LABEL_FILE,
                                             synthetic.generate_synthetic_egoexo)
    if osp.isfile(osp.join(data_root, LABEL_FILE)):
        print(f'Synthetic benchmark found in {data_root}')
        return None
    print(f'Generating the synthetic benchmark into {data_root} ...', flush=True)
    start = time.time()
    generate_synthetic_egoexo(data_root, seed=seed, workers=2, progress=True)
    seconds = time.time() - start
    print(f'  done in {seconds:.0f} s', flush=True)
    return seconds


def _import_synthetic():
    import byov.datasets.synthetic as synthetic
    return synthetic


def main():
    args = parse_args()
    start = time.time()
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    data_root = osp.abspath(args.data_root)
    timing = dict(generation=ensure_dataset(data_root, args.seed))

    # --data-root / --cache-dir set every loader of a config (the fit splits included)
    data_opts = ['--data-root', data_root]
    if args.cache_dir:
        data_opts += ['--cache-dir', osp.abspath(args.cache_dir)]
    train_dir = osp.join(work_dir, 'byov_trained')
    step = time.time()
    if not args.skip_train:
        opts = [f'train_cfg.max_epochs={args.epochs}'] if args.epochs is not None else []
        run([sys.executable, 'tools/train.py', DEMO_CONFIG, '--work-dir', train_dir,
             '--seed', str(args.seed), '--no-validate', '--brief-console', *data_opts,
             *(['--cfg-options', *opts] if opts else [])],
            osp.join(work_dir, 'train.log'))
        timing['training'] = time.time() - step
    checkpoint = _last_checkpoint(train_dir)

    rows = {}
    step = time.time()
    for name, config, weights in ROWS:
        row_dir = osp.join(work_dir, name.split(' (')[0].replace(' ', '_'))
        ckpt = checkpoint if weights == 'trained' else 'none'
        run([sys.executable, 'tools/test.py', config, ckpt, '--work-dir', row_dir,
             '--brief-console', *data_opts, '--cfg-options', f'randomness.seed={args.seed}'],
            osp.join(row_dir + '.log'))
        with open(osp.join(row_dir, 'results.json')) as f:
            rows[name] = json.load(f)['metrics']
    timing['evaluations'] = time.time() - step

    from byov.evaluation.table import results_table, results_markdown
    table = results_table(rows)
    table.title = 'Synthetic ego-exo benchmark, test split (reference protocol)'
    print(table)
    print(TABLE_NOTE)
    with open(osp.join(work_dir, 'demo_results.md'), 'w') as f:
        f.write(results_markdown(rows) + '\n')
    with open(osp.join(work_dir, 'demo_results.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    timing['total'] = time.time() - start
    # wall seconds of each step (generation None: the data was there), for the docs
    # (tools/analysis/render_docs.py record demo_main_job ... --timing this file)
    with open(osp.join(work_dir, 'demo_timing.json'), 'w') as f:
        json.dump(dict(timing, cpu_count=os.cpu_count()), f, indent=2)
    print(f'Total wall time: {timing["total"]:.0f} s; results in {work_dir}')


def _last_checkpoint(train_dir):
    marker = osp.join(train_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        sys.exit(f'No checkpoint in {train_dir}: train first (drop --skip-train).')
    with open(marker) as f:
        return f.read().strip()


if __name__ == '__main__':
    main()
