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


def _fold_batch_norm():
    from tqc.passes.fold_batch_norm import FoldBatchNormPass

    return FoldBatchNormPass


def _fold_dilated_conv():
    from tqc.passes.fold_dilated_conv import FoldDilatedConvPass

    return FoldDilatedConvPass


def _fold_pad():
    from tqc.passes.fold_pad import FoldPadPass

    return FoldPadPass


def _recompute_min_max():
    from tqc.passes.recompute_min_max import RecomputeMinMaxPass

    return RecomputeMinMaxPass


def _lower_requantize():
    from tqc.passes.lower_requantize import LowerRequantizePass

    return LowerRequantizePass


PASSES = {
    "fuse-activation": _fuse_activation,
    "fold-batch-norm": _fold_batch_norm,
    "fold-dilated-conv": _fold_dilated_conv,
    "fold-pad": _fold_pad,
    "recompute-min-max": _recompute_min_max,
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


def pass_by_name(name: str, rounding: str = "double", stream: bool = False,
                 reference: str = "tflm") -> ModulePass:
    """A pass from its name, optionally with options: `fuse-activation{requantize=true}`.
    `rounding`, `stream` and `reference` are lower-requantize's options when the name gives none."""
    if "{" in name:
        from xdsl.utils.arg_spec import parse_spec

        try:
            spec = parse_spec(name)
        except Exception as e:
            raise TqcError(f"cannot parse pass '{name}': {e}") from None
        if spec.name not in PASSES:
            raise TqcError(f"unknown pass '{spec.name}' (known: {', '.join(sorted(PASSES))})")
        try:
            return PASSES[spec.name]().from_pass_spec(spec)
        except Exception as e:
            raise TqcError(f"pass '{name}': {e}") from None
    if name not in PASSES:
        raise TqcError(f"unknown pass '{name}' (known: {', '.join(sorted(PASSES))})")
    cls = PASSES[name]()
    if name == "lower-requantize":
        return cls(rounding=rounding, stream=stream, reference=reference)  # type: ignore[call-arg]
    return cls()
