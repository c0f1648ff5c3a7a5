"""Progress lines for the long steps: Verilator builds and simulations, C builds, reference runs.

On stderr, only when stderr is a terminal or `TQC_PROGRESS=1` (`TQC_PROGRESS=0` silences them):
scripts and tests that read stderr see only `tqc: error: …` lines. A step prints its start, a
heartbeat every `every` seconds while it runs, and its end with the time it took:

    tqc: verilator build of mlp_tb (14 files) ...
    tqc: verilator build of mlp_tb (14 files): 15 s
    tqc: verilator build of mlp_tb (14 files): done in 41.2 s
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


def enabled() -> bool:
    env = os.environ.get("TQC_PROGRESS")
    if env is not None:
        return env not in ("", "0")
    return sys.stderr.isatty()


def _say(text: str) -> None:
    print(f"tqc: {text}", file=sys.stderr, flush=True)


@contextmanager
def step(what: str, every: float = 15.0) -> Iterator[None]:
    """Report the step `what` while the body runs (nothing when progress is off)."""
    if not enabled():
        yield
        return
    start = time.monotonic()
    _say(f"{what} ...")
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(every):
            _say(f"{what}: {time.monotonic() - start:.0f} s")

    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    ok = False
    try:
        yield
        ok = True
    finally:
        stop.set()
        beat.join()
        took = time.monotonic() - start
        _say(f"{what}: done in {took:.1f} s" if ok else f"{what}: failed after {took:.1f} s")
