#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py options]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "Usage: $0 CONFIG CHECKPOINT NUM_PROCS [test.py options]" >&2
    exit 2
fi
CONFIG=$1
CHECKPOINT=$2
NPROCS=$3
shift 3
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec bash "$TOOLS/dist_launch.sh" "$NPROCS" "$TOOLS/test.py" "$CONFIG" "$CHECKPOINT" \
    --launcher pytorch "$@"
