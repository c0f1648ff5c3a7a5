#!/usr/bin/env bash
# Create .venv (if missing) and install tqc with its test tools and reference runtimes.
# Every tool the tests need comes from PyPI through pyproject.toml; a C compiler (gcc or cc)
# and perl must be on the machine (Debian: build-essential perl).
# TQC_EXTRAS chooses the extras (default: test; e.g. TQC_EXTRAS=test,fpga adds nextpnr-ice40).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
log=.venv/setup.log
if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[${TQC_EXTRAS:-test}]"; } >"$log" 2>&1; then
    cat "$log"
    echo "setup: pip install failed (log above)" >&2
    exit 1
fi
echo "setup: .venv ready ($(.venv/bin/tqc --help >/dev/null && echo tqc installed))"
