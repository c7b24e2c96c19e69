#!/usr/bin/env bash
# Shared by tools/dist_train.sh and tools/dist_test.sh:
#   tools/dist_launch.sh NUM_PROCS SCRIPT [SCRIPT arguments]
# runs SCRIPT in NUM_PROCS processes under torchrun (TORCHRUN may name another launcher
# command, e.g. "python -m torch.distributed.run").
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "Usage: $0 NUM_PROCS SCRIPT [SCRIPT arguments]" >&2
    exit 2
fi
NPROCS=$1
SCRIPT=$2
shift 2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

export PYTHONPATH="$ROOT:${PYTHONPATH:-}"
# Unless you set OMP_NUM_THREADS, each process chooses its threads from its share of the
# cores (docs/performance.md); setting it here keeps torchrun from forcing 1 with a warning.
if [ -z "${OMP_NUM_THREADS:-}" ]; then
    export OMP_NUM_THREADS=1 MKL_NUM_THREADS=${MKL_NUM_THREADS:-1} BYOV_AUTO_THREADS=1
fi
exec ${TORCHRUN:-torchrun} \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROCS" \
    --master_port="${PORT:-29500}" \
    "$SCRIPT" "$@"
