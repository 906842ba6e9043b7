"""The keys of every result, declared once: what a rank sends back (collectives, train), what the driver makes
of an nccl-tests run, and what a failed run leaves. They are plain dicts at run time (``TypedDict``), so the
JSON written to ``result.json`` is what it always was.

``status`` is added by the driver once it has judged the run: "pass", "fail" or "error".
No imports beyond typing: the ranks import this on nodes that hold only this package.
"""

from typing import Literal, NotRequired, TypedDict

Status = Literal["pass", "fail", "error"]


class Side(TypedDict):
    """One placement (out-of-place or in-place) of one size, as nccl-tests prints it."""

    time_us: float
    algbw: float
    busbw: float
    wrong: int | None  # None: nccl-tests printed N/A (no data check)


class Row(TypedDict):
    """One size of a sweep; a side is None where it did not run (all_to_all in place)."""

    size: int
    count: int
    type: str
    redop: str
    root: int
    out_of_place: Side | None
    in_place: Side | None


class OpResult(TypedDict):
    rows: list[Row]
    avg_busbw: float
    wrong_total: int


class GpuTelemetry(TypedDict, total=False):
    """One rank's GPU samples (``telemetry.GpuSampler.stop``) with its rank and host; without a GPU only
    ``available`` False, ``index`` and ``reason``."""

    rank: int
    host: str
    available: bool
    index: int
    reason: str
    name: str
    interval_s: float
    summary: dict
    samples: list[dict]


class PeakMemory(TypedDict):
    rank: int
    host: str
    bytes: int
    what: str  # which measure: torch.cuda.max_memory_allocated or the process peak RSS


class CollectivesResult(TypedDict):
    kind: Literal["collectives"]
    backend: str
    device_type: str
    world_size: int
    hosts: list[str]
    dtype: str
    iters: int
    warmup: int
    ops: dict[str, OpResult]
    wrong_total: int
    telemetry: list[GpuTelemetry]
    status: NotRequired[Status]


class LossTrend(TypedDict):
    """First-5 and last-5 step means; None when there are too few steps to tell."""

    first5_mean: float | None
    last5_mean: float | None
    loss_decreased: bool | None


class LoraSettings(TypedDict):
    r: int
    alpha: float
    targets: str | list[str]  # "all-linear" or module names


class SavedModel(TypedDict):
    """Where rank 0 wrote the final model with ``save_pretrained`` (on its host)."""

    host: str
    path: str
    what: str  # "model" or "LoRA adapter"


class TrainResult(LossTrend):
    kind: Literal["train"]
    strategy: str
    zero_stage: int | None
    hsdp: bool
    mesh_shape: list[int] | None
    backend: str
    device_type: str
    precision: str
    world_size: int
    hosts: list[str]
    data: str
    model: str | None  # --model (hub name or folder); None: the small GPT
    lora: LoraSettings | None
    parameters: int
    trainable_parameters: int
    steps: int
    first_step: int
    losses: list[float]
    step_times_s: list[float]
    tokens_per_step: int
    tokens_per_s: float | None
    peak_memory: list[PeakMemory]
    checkpoints: list[str]
    resumed_from: int | None
    saved: SavedModel | None
    telemetry: list[GpuTelemetry]
    status: NotRequired[Status]


class NcclConfig(TypedDict):
    nthreads: int | None
    ngpus: int | None
    min_bytes: int | None
    max_bytes: int | None


class NcclDevice(TypedDict):
    rank: int
    host: str
    device: int
    name: str


class NcclRun(TypedDict):
    """What an nccl-tests binary printed (stdout) or wrote (-J file), parsed."""

    test: str | None
    version: str | None
    nccl_version: int | None
    config: NcclConfig | None
    devices: list[NcclDevice]
    rows: list[Row]
    out_of_bounds: int | None
    avg_busbw: float | None
    errors: list[str]


class Verdict(TypedDict):
    avg_busbw_gbps: float | None
    threshold_gbps: float
    line_rate_gbps: float
    fraction_of_line_rate: float | None
    reasons: list[str]
    status: Status
    exit_code: int


class JudgedRun(TypedDict):
    parsed: NcclRun
    source: Literal["json", "text"]
    verdict: Verdict


class NcclTestsResult(JudgedRun):
    kind: Literal["nccl-tests"]
    test: str
    hosts: list[str]
    command: str
    status: NotRequired[Status]


class FailedRun(TypedDict):
    """A run that ended without a result: a rank failed, a host was unreachable, or the time ran out."""

    kind: str
    status: Status
    error: str | None
    timed_out: bool
    exit_codes: dict[str, int | None]


Result = CollectivesResult | TrainResult | NcclTestsResult
