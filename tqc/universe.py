"""Registration of tqc's dialects and passes, for tqc itself and for the stock `xdsl-opt`
(entry point `xdsl.universe` in pyproject.toml)."""

from __future__ import annotations

from xdsl.context import Context
from xdsl.passes import ModulePass
from xdsl.universe import Universe

from tqc.errors import TqcError


def _tq():
    from tqc.dialects.tq import TQ

    return TQ


def _tqi():
    from tqc.dialects.tqi import TQI

    return TQI


def _fuse_activation():
    from tqc.passes.fuse_activation import FuseActivationPass

    return FuseActivationPass


def _lower_requantize():
    from tqc.passes.lower_requantize import LowerRequantizePass

    return LowerRequantizePass


PASSES = {
    "fuse-activation": _fuse_activation,
    "lower-requantize": _lower_requantize,
}

TQC_UNIVERSE = Universe(all_dialects={"tq": _tq, "tqi": _tqi}, all_passes=PASSES)


def make_context() -> Context:
    from xdsl.dialects.builtin import Builtin
    from xdsl.dialects.func import Func

    ctx = Context()
    for dialect in (Builtin, Func, _tq(), _tqi()):
        ctx.load_dialect(dialect)
    return ctx


def pass_by_name(name: str, rounding: str = "double") -> ModulePass:
    if name not in PASSES:
        raise TqcError(f"unknown pass '{name}' (known: {', '.join(sorted(PASSES))})")
    cls = PASSES[name]()
    if name == "lower-requantize":
        return cls(rounding=rounding)  # type: ignore[call-arg]
    return cls()
