"""Legal identifiers of the generated code (tqc/names.py) as each backend uses them."""

from __future__ import annotations

from tqc.backends.c.schedule import identifier as c_identifier
from tqc.backends.verilog.prepare import verilog_identifier
from tqc.names import legal_identifier
from tqc.pipeline import identifier as module_identifier


def test_module_names_from_file_stems() -> None:
    assert module_identifier("mlp-digits.int8") == "mlp_digits_int8"
    assert module_identifier("8bit") == "m_8bit"
    assert module_identifier("") == "m_"


def test_c_names_from_tensor_names() -> None:
    assert c_identifier("sequential/dense__1/", "layer") == "sequential_dense_1"
    assert c_identifier("___", "layer") == "layer"
    assert c_identifier(None, "k") == "k"
    assert c_identifier("1x1", "layer") == "layer_1x1"


def test_verilog_names_avoid_keywords_and_leading_underscores() -> None:
    assert verilog_identifier("case") == "m_case"
    assert verilog_identifier("CASE") == "m_CASE"  # tools fold case for some keywords
    assert verilog_identifier("_x") == "m__x"
    assert verilog_identifier("") == "design"
    assert verilog_identifier("conv") == "conv"


def test_reserved_names_are_exact_unless_folded() -> None:
    assert legal_identifier("n", "t", reserved=("n",)) == "t_n"
    assert legal_identifier("N", "t", reserved=("n",)) == "N"
    assert legal_identifier("N", "t", reserved=("n",), fold_case=True) == "t_N"


def test_numpy_value_named_like_a_runtime_function(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A tensor named `quantize` must not hide the runtime's `quantize` (UnboundLocalError)."""
    import numpy as np

    from tqc.pipeline import load_numpy_model
    from tqc.tflite_writer import Op, Tensor, write_model

    path = tmp_path / "shadow.tflite"
    tensors = [Tensor("x", (1, 4), "float32"), Tensor("quantize", (1, 4), "int8", 0.05, 3),
               Tensor("softmax", (1, 4), "int8", 0.05, 3), Tensor("y", (1, 4), "float32")]
    ops = [Op("QUANTIZE", ["x"], ["quantize"]), Op("RELU", ["quantize"], ["softmax"]),
           Op("DEQUANTIZE", ["softmax"], ["y"])]
    write_model(path, tensors, ops, ["x"], ["y"])
    y = load_numpy_model(path).run(np.array([[-1.0, 0.0, 0.5, 1.0]], np.float32))
    assert np.allclose(y, [[0.0, 0.0, 0.5, 1.0]])


def test_tensor_names_keep_a_name_in_xdsl() -> None:
    """xDSL drops a `_N` suffix of a name hint: a tensor named '_1' must not become '' (a
    fuzzed model crashed when a rewrite copied that empty name)."""
    from xdsl.ir import SSAValue

    from tqc.import_context import value_name
    for name in ("_1", "a/_12", "7", "x;_3"):
        assert SSAValue.extract_valid_name(value_name(name)), name
