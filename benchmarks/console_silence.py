"""Longest silence of a command's console: run it, timestamp every line it prints.

    python benchmarks/console_silence.py [--log FILE] -- python tools/run_demo.py

stdout and stderr are merged; a carriage return (a progress bar redrawing itself)
counts as output like a newline. The output is echoed with the time since the start
and the gap since the previous output, and the longest gaps are summarised at the end.
"""
import argparse
import subprocess
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--log', help='also write the timestamped lines to this file')
    parser.add_argument('--top', type=int, default=5, help='how many longest gaps to list')
    parser.add_argument('command', nargs=argparse.REMAINDER,
                        help='the command to run (after --)')
    args = parser.parse_args()
    if args.command and args.command[0] == '--':
        args.command = args.command[1:]
    if not args.command:
        parser.error('give the command to run after --')
    return args


def timed_lines(stream):
    """Yield (time, text) for every line or bar redraw of a binary stream."""
    buf = b''
    while True:
        chunk = stream.read1(4096)
        if not chunk:
            break
        now = time.monotonic()
        buf += chunk
        while True:
            cut = min((i for i in (buf.find(b'\n'), buf.find(b'\r')) if i >= 0),
                      default=-1)
            if cut < 0:
                break
            line, buf = buf[:cut], buf[cut + 1:]
            if line.strip():
                yield now, line.decode(errors='replace')
    if buf.strip():
        yield time.monotonic(), buf.decode(errors='replace')


def main():
    args = parse_args()
    log = open(args.log, 'w') if args.log else None
    start = last = time.monotonic()
    gaps = []  # (gap s, at s, line after the gap)
    proc = subprocess.Popen(args.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for now, line in timed_lines(proc.stdout):
        gap = now - last
        gaps.append((gap, now - start, line))
        out = f'[{now - start:7.1f} s +{gap:5.1f}] {line}'
        print(out, flush=True)
        if log:
            log.write(out + '\n')
        last = now
    rc = proc.wait()
    end = time.monotonic()
    gaps.append((end - last, end - start, '<exit>'))
    summary = [f'exit {rc}; wall {end - start:.1f} s; {len(gaps) - 1} output lines; '
               f'longest silences:']
    for gap, at, line in sorted(gaps, reverse=True)[:args.top]:
        summary.append(f'  {gap:6.1f} s before t={at:.1f} s: {line[:100]}')
    print('\n'.join(summary))
    if log:
        log.write('\n'.join(summary) + '\n')
        log.close()
    sys.exit(rc)


if __name__ == '__main__':
    main()
