"""The compile pipeline: import → graph passes → lower-requantize → backend."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import Operation, SSAValue

from tqc.errors import TqcError
from tqc.importer import import_tflite
from tqc.names import legal_identifier
from tqc.passes.lowering import NotQuantized
from tqc.universe import make_context, pass_by_name

DEFAULT_PASSES = ["fold-dilated-conv", "fuse-activation", "lower-requantize", "fold-pad"]
# Opt-in, changes the arithmetic relative to the file (--fold-batch-norm): run before the defaults.
FOLD_BATCH_NORM_PASSES = ["fold-batch-norm", "recompute-min-max"]


def identifier(name: str) -> str:
    """A valid Python/C identifier from a file stem (the generated module's name)."""
    return legal_identifier(name, "m")


def run_passes(module: ModuleOp, names: list[str], rounding: str = "double",
               ctx: Context | None = None, stream: bool = False,
               reference: str = "tflm") -> ModuleOp:
    ctx = ctx or make_context()
    for name in names:
        if not name:
            continue
        pass_ = pass_by_name(name, rounding, stream, reference)
        try:
            pass_.apply(ctx, module)
        except NotQuantized as e:  # a rule outside lower-requantize met a plain tensor
            raise TqcError(f"{_producer(e.value)}tensor '{e.value.name_hint}' of type "
                           f"{e.value.type} must be quantized (pass {name})") from None
    try:
        module.verify()
    except Exception as e:
        raise TqcError(f"IR does not verify after passes {','.join(names)}: {e}") from None
    return module


def _producer(value: SSAValue) -> str:
    """'op #N NAME, ' for the TFLite op that wrote `value`, or ''."""
    index = value.owner.properties.get("tfl_index") if isinstance(value.owner, Operation) else None
    if not isinstance(index, IntegerAttr) or not isinstance(value.owner, Operation):
        return ""
    return f"op #{index.value.data} {value.owner.name.removeprefix('tq.').upper()}, "


def lower(path: str | Path, rounding: str = "double", fold_batch_norm: bool = False,
          stream: bool = False, reference: str = "tflm") -> ModuleOp:
    """Import a .tflite (or .tqm text) model and lower it to the integer dialect. `stream`: the
    state of SVDF and LSTM ops is carried from one invocation to the next (`tqi.state_read` /
    `tqi.state_write`) instead of being reset for every one. `reference`: the runtime whose
    arithmetic to reproduce (`REFERENCES`; lower-requantize's option); the default "tflm" means
    the model's reference, which is LiteRT REF for a model TFLM does not run correctly
    (`tqc.reference.arithmetic_for`)."""
    from tqc.reference import arithmetic_for
    from tqc.tqm import model_path

    passes = (FOLD_BATCH_NORM_PASSES if fold_batch_norm else []) + DEFAULT_PASSES
    tflite = model_path(path)
    return run_passes(import_tflite(tflite), passes, rounding, stream=stream,
                      reference=arithmetic_for(tflite, reference))


def quantized(path: str | Path, fold_batch_norm: bool = False) -> ModuleOp:
    """The `tq` module `lower` lowers: imported, after every graph pass, before
    lower-requantize (the scales and zero points `tqc explain` reports)."""
    from tqc.tqm import model_path

    passes = (FOLD_BATCH_NORM_PASSES if fold_batch_norm else []) + DEFAULT_PASSES
    return run_passes(import_tflite(model_path(path)), passes[:passes.index("lower-requantize")])


def numpy_source(path: str | Path, name: str, rounding: str = "double",
                 fold_batch_norm: bool = False, stream: bool = False) -> str:
    from tqc.backends.numpy.printer import print_numpy

    return print_numpy(lower(path, rounding, fold_batch_norm, stream), name)


def load_numpy_model(path: str | Path, rounding: str = "double",
                     fold_batch_norm: bool = False, stream: bool = False) -> ModuleType:
    """Compile a model to NumPy and import the generated module."""
    from tqc.backends.numpy.target import import_source

    name = identifier(Path(path).stem)
    return import_source(numpy_source(path, name, rounding, fold_batch_norm, stream), name)


def io_specs(module: ModuleOp) -> tuple[list[tuple[tuple[int, ...], str]], list[tuple[tuple[int, ...], str]]]:
    """(shape, numpy dtype) of the inputs and outputs of `@main` (any stage)."""
    from xdsl.dialects import func
    from xdsl.dialects.builtin import TensorType

    from tqc.dialects.element import kind_of_type

    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))

    def spec(t: object) -> tuple[tuple[int, ...], str]:
        assert isinstance(t, TensorType)
        return tuple(t.get_shape()), kind_of_type(t.element_type).numpy

    return ([spec(t) for t in fn.function_type.inputs.data],
            [spec(t) for t in fn.function_type.outputs.data])
