#!/bin/bash
# SPDX-License-Identifier: MIT
# Same values as Ray (docs/ray-parity.md): the program's cluster config,
# extra tags and dashboard figures against a model of Ray's usage_lib on
# PyYAML's safe_load (tests/parity/oracle.py), on thousands of generated
# inputs (tests/parity/generate.py). A fixed seed always; under CI=true also
# a new one each run. Every disagreement is printed with its input.
set -u
export PYTHONDONTWRITEBYTECODE=1 # nothing written into the source tree
SRC=${RUS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
DRIVER=${RUS_BUILDDIR:-$SRC}/parity-driver

PYTHON=
for p in /usr/bin/python3 python3; do
        if "$p" -c 'import yaml' 2>/dev/null; then
                PYTHON=$p
                break
        fi
done
if [ -z "$PYTHON" ]; then
        # In CI the oracle is installed (tests/run-all.sh): its absence is a failure there.
        [ "${CI:-}" = true ] && { echo "FAIL: parity.sh: PyYAML (python3-yaml) is missing" >&2; exit 1; }
        echo "SKIP: parity.sh: PyYAML (python3-yaml) is needed as the oracle" >&2
        exit 77
fi
[ -x "$DRIVER" ] || { echo "FAIL: parity.sh: $DRIVER is not built" >&2; exit 1; }

seeds=(1)
if [ "${CI:-}" = true ]; then
        seeds+=("$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')")
fi

status=0
for seed in "${seeds[@]}"; do
        echo "parity.sh: seed $seed (rerun: $PYTHON $SRC/tests/parity/run.py $DRIVER $seed)"
        "$PYTHON" "$SRC/tests/parity/run.py" "$DRIVER" "$seed" 2>/dev/null || status=1
done
exit $status
