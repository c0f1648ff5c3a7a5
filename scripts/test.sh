#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run every test: pytest (unit + differential against the
# reference runtimes) and the lit/FileCheck suite. Extra arguments go to pytest, e.g.
#   bash scripts/test.sh -m "not slow"      # skip the large-model runs
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
python -m pytest -n 2 -q -rs "$@"
lit -q tests/filecheck
echo "lit: all FileCheck tests passed"
