"""NVML sampling at the pynvml boundary: GB10's "Not Supported" answers, other errors, no GPU at all."""

import time
from types import SimpleNamespace

import pynvml
import pytest

from distributed.telemetry import NOT_SUPPORTED, GpuSampler


@pytest.fixture
def gb10(monkeypatch):
    """pynvml answering like a GB10: memory info is not supported (unified memory), the rest works."""
    calls = []
    monkeypatch.setattr(pynvml, "nvmlInit", lambda: calls.append("init"))
    monkeypatch.setattr(pynvml, "nvmlShutdown", lambda: calls.append("shutdown"))
    monkeypatch.setattr(pynvml, "nvmlDeviceGetHandleByIndex", lambda index: f"handle{index}")
    monkeypatch.setattr(pynvml, "nvmlDeviceGetName", lambda handle: "NVIDIA GB10")
    monkeypatch.setattr(pynvml, "nvmlDeviceGetUtilizationRates", lambda handle: SimpleNamespace(gpu=87, memory=0))

    def memory_info(handle):
        raise pynvml.NVMLError_NotSupported()

    monkeypatch.setattr(pynvml, "nvmlDeviceGetMemoryInfo", memory_info)
    monkeypatch.setattr(pynvml, "nvmlDeviceGetPowerUsage", lambda handle: 41250)  # milliwatts
    monkeypatch.setattr(pynvml, "nvmlDeviceGetTemperature", lambda handle, sensor: 52)
    return calls


def test_not_supported_is_data(gb10):
    telemetry = GpuSampler(0, interval_s=0.01).start()
    telemetry = telemetry.stop()
    assert telemetry["available"] and telemetry["name"] == "NVIDIA GB10"
    assert telemetry["samples"][0] == {"t_s": telemetry["samples"][0]["t_s"], "gpu_util_pct": 87,
                                       "memory_used_bytes": NOT_SUPPORTED, "power_w": 41.25, "temperature_c": 52}
    assert telemetry["summary"]["memory_used_bytes"] == "Not Supported"
    assert telemetry["summary"]["power_w"] == {"min": 41.25, "mean": 41.25, "max": 41.25}
    assert gb10 == ["init", "shutdown"]


def test_other_nvml_errors_are_kept_as_text(gb10, monkeypatch):
    def lost(handle, sensor):
        raise pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST)

    monkeypatch.setattr(pynvml, "nvmlDeviceGetTemperature", lost)
    telemetry = GpuSampler(0, interval_s=0.01).start().stop()
    assert telemetry["summary"]["temperature_c"].startswith("error: ")


def test_samples_until_stopped(gb10):
    sampler = GpuSampler(0, interval_s=0.01).start()
    time.sleep(0.1)
    assert len(sampler.stop()["samples"]) >= 3


def test_no_driver_says_so(monkeypatch):
    def no_library():
        raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)

    monkeypatch.setattr(pynvml, "nvmlInit", no_library)
    assert GpuSampler(0).start().stop() == {"available": False, "index": 0,
                                            "reason": "no NVIDIA GPU: NVML Shared Library Not Found"}


def test_no_gpu_at_that_index(gb10, monkeypatch):
    def invalid(index):
        raise pynvml.NVMLError(pynvml.NVML_ERROR_INVALID_ARGUMENT)

    monkeypatch.setattr(pynvml, "nvmlDeviceGetHandleByIndex", invalid)
    telemetry = GpuSampler(3).start().stop()
    assert telemetry["available"] is False and telemetry["reason"].startswith("no NVIDIA GPU at index 3")
    assert gb10 == ["init", "shutdown"]


def test_the_real_library_never_raises():
    """Unpatched pynvml: samples on a GPU machine, the reason otherwise (no driver on CPU-only CI)."""
    telemetry = GpuSampler(0, interval_s=0.01).start().stop()
    assert telemetry["samples"] if telemetry["available"] else telemetry["reason"]
