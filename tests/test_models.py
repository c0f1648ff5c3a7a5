"""Whole models, bit-exact through the NumPy backend against the reference runtime
(TFLM for int8, LiteRT BUILTIN_REF for legacy uint8), 8 random inputs each (the first two
all-minimum and all-maximum)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from differential import compare, shared_model
from tqc.pipeline import load_numpy_model

FIXTURES = Path(__file__).parent / "fixtures"

SHARED = [
    "armmlzoo_ds_cnn_small_int16x8.tflite",
    "armmlzoo_ssd_mobilenet_v3_int8.tflite",
    "coral_deeplabv3_mnv2_dm05_pascal_uint8.tflite",
    "coral_mobilenet_v1_025_128_uint8.tflite",
    "coral_split_concat_uint8.tflite",
    "coral_tf2_mobilenet_v2_100_224_ptq_int8_uint8io.tflite",
    "mcunet_person_detection_int8_floatio.tflite",
    "mlperftiny_ad_toycar_fc_autoencoder_int8.tflite",
    "mlperftiny_ad_toycar_fc_autoencoder_int8_floatio.tflite",
    "mlperftiny_ic_resnet8_cifar10_int8.tflite",
    "mlperftiny_kws_dscnn_int8.tflite",
    "mlperftiny_sww_streaming_wakeword_int8.tflite",
    "mlperftiny_vww_mobilenetv1_96_int8.tflite",
    "tflm_hello_world_sine_int8.tflite",
    "tflm_micro_speech_int8.tflite",
    "tflm_mnist_lstm_int8.tflite",
    "tflm_person_detect_mobilenetv1_int8.tflite",
    "tflm_xtensa_pytorch_mobilenet_v2_224_int8.tflite",
]
LARGE = {
    "armmlzoo_ssd_mobilenet_v3_int8.tflite",
    "coral_deeplabv3_mnv2_dm05_pascal_uint8.tflite",
    "coral_tf2_mobilenet_v2_100_224_ptq_int8_uint8io.tflite",
    "tflm_xtensa_pytorch_mobilenet_v2_224_int8.tflite",
}
FIXTURE_MODELS = sorted(p.name for p in FIXTURES.glob("*.tflite"))


def _marks(name: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.slow] if name in LARGE else []


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in SHARED])
def test_shared_model_bit_exact(name: str) -> None:
    compare(shared_model(name), n=8)


@pytest.mark.parametrize("name", FIXTURE_MODELS)
def test_fixture_model_bit_exact(name: str) -> None:
    compare(FIXTURES / name, n=8)


@pytest.mark.parametrize("name", ["mlp_digits_int8.tflite", "cnn_digits_int8.tflite"])
def test_fixture_accuracy(name: str) -> None:
    """The compiled models classify the bundled digits like the float models did (≥ 95%)."""
    module = load_numpy_model(FIXTURES / name)
    x = np.load(FIXTURES / "digits_test_x.npy")
    y = np.load(FIXTURES / "digits_test_y.npy")
    shape, _ = module.INPUTS[0]
    q = np.clip(np.round(x * 255) - 128, -128, 127).astype(np.int8).reshape((len(x), *shape[1:]))
    accuracy = float((module.run(q).argmax(axis=-1) == y).mean())
    assert accuracy >= 0.95, accuracy
