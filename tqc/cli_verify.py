"""`tqc verify`: placeholder registered until the layer-by-layer comparison lands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def register(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    del sub, common
