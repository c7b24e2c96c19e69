#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG NUM_PROCS [train.py options]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
# Without GPUs the processes train on the CPU with the gloo backend.
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "Usage: $0 CONFIG NUM_PROCS [train.py options]" >&2
    exit 2
fi
CONFIG=$1
NPROCS=$2
shift 2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

export PYTHONPATH="$ROOT:${PYTHONPATH:-}"
# Unless you set OMP_NUM_THREADS, each process chooses its threads from its share of the
# cores (docs/performance.md); setting it here keeps torchrun from forcing 1 with a warning.
if [ -z "${OMP_NUM_THREADS:-}" ]; then
    export OMP_NUM_THREADS=1 MKL_NUM_THREADS=${MKL_NUM_THREADS:-1} BYOV_AUTO_THREADS=1
fi
# TORCHRUN may name another launcher command, e.g. "python -m torch.distributed.run"
exec ${TORCHRUN:-torchrun} \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROCS" \
    --master_port="$PORT" \
    "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "$@"
