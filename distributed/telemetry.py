"""GPU utilisation, memory, power and temperature of one rank's GPU, sampled by nvidia-ml-py in a thread.

GB10 shares its memory with the CPU, so NVML answers some queries (memory info) with "Not Supported":
that answer is kept as the metric's value, not raised. Without NVML or a GPU the result says so.
"""

import threading
import time
from statistics import mean

NOT_SUPPORTED = "Not Supported"


def _metrics(pynvml) -> dict:
    return {
        "gpu_util_pct": lambda h: pynvml.nvmlDeviceGetUtilizationRates(h).gpu,
        "memory_used_bytes": lambda h: pynvml.nvmlDeviceGetMemoryInfo(h).used,
        "power_w": lambda h: pynvml.nvmlDeviceGetPowerUsage(h) / 1000.0,
        "temperature_c": lambda h: pynvml.nvmlDeviceGetTemperature(h, pynvml.NVML_TEMPERATURE_GPU),
    }


def _summary(values: list) -> dict | str:
    numbers = [v for v in values if isinstance(v, (int, float))]
    if numbers:
        return {"min": min(numbers), "mean": mean(numbers), "max": max(numbers)}
    return values[0] if values else "no samples"  # "Not Supported" or the error text


class GpuSampler:
    """``start()``, run the work, ``stop()`` → the telemetry dict for the report."""

    def __init__(self, index: int, interval_s: float = 0.5):
        self.index, self.interval_s = index, interval_s
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unavailable: str | None = None
        self._name = None

    def start(self) -> "GpuSampler":
        try:
            import pynvml

            pynvml.nvmlInit()
        except ImportError:
            self._unavailable = "nvidia-ml-py (pynvml) is not installed"
            return self
        except Exception as error:  # pynvml.NVMLError: no driver, no library, no GPU
            self._unavailable = f"no NVIDIA GPU: {error}"
            return self
        self._pynvml = pynvml
        try:
            self._handle = pynvml.nvmlDeviceGetHandleByIndex(self.index)
            self._name = pynvml.nvmlDeviceGetName(self._handle)
        except pynvml.NVMLError as error:
            pynvml.nvmlShutdown()
            self._unavailable = f"no NVIDIA GPU at index {self.index}: {error}"
            return self
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="gpu-telemetry", daemon=True)
        self._thread.start()
        return self

    def _read(self, query):
        try:
            return query(self._handle)
        except self._pynvml.NVMLError_NotSupported:
            return NOT_SUPPORTED
        except self._pynvml.NVMLError as error:
            return f"error: {error}"

    def _run(self) -> None:
        metrics = _metrics(self._pynvml)
        while True:
            sample = {"t_s": round(time.monotonic() - self._t0, 3)}
            sample.update({name: self._read(query) for name, query in metrics.items()})
            self.samples.append(sample)
            if self._stop.wait(self.interval_s):
                return

    def stop(self) -> dict:
        if self._unavailable:
            return {"available": False, "index": self.index, "reason": self._unavailable}
        self._stop.set()
        self._thread.join()
        self._pynvml.nvmlShutdown()
        names = [k for k in self.samples[0] if k != "t_s"]
        return {
            "available": True, "index": self.index, "name": self._name, "interval_s": self.interval_s,
            "summary": {name: _summary([s[name] for s in self.samples]) for name in names},
            "samples": self.samples,
        }
