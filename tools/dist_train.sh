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
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec bash "$TOOLS/dist_launch.sh" "$NPROCS" "$TOOLS/train.py" "$CONFIG" --launcher pytorch "$@"
