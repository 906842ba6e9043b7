"""Rank side of ``collectives``: time torch.distributed collectives over a size sweep, nccl-tests style.

Per op and size: ``--warmup`` untimed runs, ``--iters`` timed runs (time = mean per run, averaged over
ranks), then one run on fresh data checked element by element (#wrong, summed over ranks). Data are small
integers, so every sum is exact in float, half and bfloat16. torch's all_reduce and broadcast only work in
place: their out-of-place column copies the input into the output buffer first, as a caller would have to.
"""

import os
import time
from statistics import mean

import torch
import torch.distributed as dist

from distributed.launch import rank_env
from distributed.nccl_tests import nccl_format
from distributed.nccl_tests.sizes import size_sweep
from distributed.results import CollectivesResult, OpResult, Row
from distributed.telemetry import GpuSampler

DTYPES = {"float": torch.float32, "half": torch.float16, "bfloat16": torch.bfloat16}
# torch 2.13 deprecates the *_tensor names in favour of *_single (same signatures).
_all_gather = getattr(dist, "all_gather_single", None) or dist.all_gather_into_tensor
_reduce_scatter = getattr(dist, "reduce_scatter_single", None) or dist.reduce_scatter_tensor


def pattern(rank: int, start: int, length: int, dtype, device) -> torch.Tensor:
    """Rank-specific small integers (0..10): wrong placement or a missing sum changes them."""
    index = torch.arange(start, start + length, device=device, dtype=torch.int64)
    return ((index * 3 + rank * 5) % 11).to(dtype)


class _Case:
    """Buffers, the out-of-place and in-place calls, and the expected output of one op at one size."""

    def __init__(self, op: str, count: int, rank: rank_env.Rank, dtype):
        self.op, self.count, self.rank, self.dtype = op, count, rank, dtype
        n, r, dev = rank.world_size, rank.rank, rank.device
        split = op in ("all_gather", "reduce_scatter", "all_to_all")
        in_len = count * n if op in ("reduce_scatter", "all_to_all") else count
        out_len = count * n if op in ("all_gather", "all_to_all") else count
        self.in_len, self.out_len = in_len, out_len
        self.send = torch.empty(in_len, dtype=dtype, device=dev)
        self.recv = torch.empty(out_len, dtype=dtype, device=dev)
        # In place: reduce_scatter writes its chunk inside the input, all_gather reads its chunk inside
        # the output.
        self.chunk = slice(r * count, (r + 1) * count) if split else slice(0, count)

    def reset(self, in_place: bool) -> None:
        r = self.rank.rank
        if in_place and self.op == "all_gather":
            self.recv.zero_()
            self.recv[self.chunk] = pattern(r, 0, self.count, self.dtype, self.rank.device)
        elif in_place:
            self.send.copy_(pattern(r, 0, self.in_len, self.dtype, self.rank.device))
        else:
            self.send.copy_(pattern(r, 0, self.in_len, self.dtype, self.rank.device))
            self.recv.zero_()

    def call(self, in_place: bool):
        op, send, recv = self.op, self.send, self.recv
        if op in ("all_reduce", "broadcast"):
            collective = dist.all_reduce if op == "all_reduce" else (lambda t: dist.broadcast(t, src=0))
            if in_place:
                return lambda: collective(send)
            return lambda: collective(recv.copy_(send))
        if op == "all_gather":
            return lambda: _all_gather(recv, recv[self.chunk] if in_place else send)
        if op == "reduce_scatter":
            return lambda: _reduce_scatter(send[self.chunk] if in_place else recv, send)
        return lambda: dist.all_to_all_single(recv, send)

    def output(self, in_place: bool) -> torch.Tensor:
        if self.op == "reduce_scatter" and in_place:
            return self.send[self.chunk]
        if self.op in ("all_reduce", "broadcast") and in_place:
            return self.send
        return self.recv

    def expected(self) -> torch.Tensor:
        n, r, c, dev = self.rank.world_size, self.rank.rank, self.count, self.rank.device
        f64 = torch.float64
        if self.op == "all_reduce":
            out = sum(pattern(s, 0, c, f64, dev) for s in range(n))
        elif self.op == "broadcast":
            out = pattern(0, 0, c, f64, dev)
        elif self.op == "all_gather":
            out = torch.cat([pattern(s, 0, c, f64, dev) for s in range(n)])
        elif self.op == "reduce_scatter":
            out = sum(pattern(s, r * c, c, f64, dev) for s in range(n))
        else:  # all_to_all: chunk s of my output is chunk r of rank s's input
            out = torch.cat([pattern(s, r * c, c, f64, dev) for s in range(n)])
        return out.to(self.dtype)


def _measure(case: _Case, in_place: bool, iters: int, warmup: int) -> tuple[float, int]:
    """(mean seconds per run averaged over ranks, wrong elements summed over ranks)."""
    device = case.rank.device
    case.reset(in_place)
    run = case.call(in_place)
    for _ in range(warmup):
        run()
    rank_env.sync(device)
    dist.barrier()
    start = time.perf_counter()
    for _ in range(iters):
        run()
    rank_env.sync(device)
    seconds = (time.perf_counter() - start) / iters
    case.reset(in_place)
    case.call(in_place)()
    rank_env.sync(device)
    wrong = int((case.output(in_place) != case.expected()).sum())
    totals = torch.tensor([seconds, float(wrong)], dtype=torch.float64, device=device)
    dist.all_reduce(totals)
    return totals[0].item() / case.rank.world_size, int(totals[1].item())


def bench_op(op: str, sizes: list[int], args, rank: rank_env.Rank, say) -> OpResult:
    dtype, elem = DTYPES[args.dtype], DTYPES[args.dtype].itemsize
    test = f"{op}_perf"
    say(f"# Collective test starting: {test}")
    say(f"# nThread 1 nGpus 1 minBytes {sizes[0]} maxBytes {sizes[-1]} step: {args.factor}(factor) "
        f"warmup iters: {args.warmup} iters: {args.iters} agg iters: 1 validation: 1 graph: 0")
    for line in nccl_format.header_lines():
        say(line)
    rows = []
    for nbytes in sizes:
        count, size = nccl_format.byte_counts(op, nbytes, elem, rank.world_size)
        if count == 0:
            continue
        case = _Case(op, count, rank, dtype)
        row: Row = {"size": size, "count": count, "type": args.dtype, "redop": nccl_format.REDOP[op],
               "root": nccl_format.ROOT.get(op, -1), "out_of_place": None, "in_place": None}
        # nccl-tests does not run all_to_all in place; neither can torch.
        for place, in_place in (("out_of_place", False), ("in_place", True)):
            if in_place and op == "all_to_all":
                continue
            seconds, wrong = _measure(case, in_place, args.iters, args.warmup)
            algbw, busbw = nccl_format.bandwidths(op, count, elem, seconds, rank.world_size)
            row[place] = {"time_us": seconds * 1e6, "algbw": algbw, "busbw": busbw, "wrong": wrong}
        rows.append(row)
        say(nccl_format.row_line(row))
    busbws = [row[p]["busbw"] for row in rows for p in ("out_of_place", "in_place") if row[p]]
    wrong_total = sum(row[p]["wrong"] for row in rows for p in ("out_of_place", "in_place") if row[p])
    avg = mean(busbws) if busbws else 0.0
    for line in nccl_format.footer_lines(wrong_total, avg, test):
        say(line)
    return OpResult(rows=rows, avg_busbw=avg, wrong_total=wrong_total)


def run(args) -> None:
    ops = args.ops
    sizes = size_sweep(args.min_bytes, args.max_bytes, args.factor)
    rank = rank_env.init(args.backend, args.comm_timeout)
    sampler = GpuSampler(rank.local_rank).start()

    def say(line: str) -> None:
        if rank.rank == 0:
            print(line, flush=True)

    devices = [None] * rank.world_size
    dist.all_gather_object(devices, f"on {rank.host:>10} device {rank.device} pid {os.getpid()}")
    say(f"# distributed collectives: torch {torch.__version__}, backend {rank.backend}, "
        f"{rank.world_size} ranks")
    say("# Using devices")
    for index, where in enumerate(devices):
        say(f"#  Rank {index:2d} {where}")
    say("#")
    results = {op: bench_op(op, sizes, args, rank, say) for op in ops}
    telemetry = [None] * rank.world_size
    dist.all_gather_object(telemetry, {"rank": rank.rank, "host": rank.host, **sampler.stop()})
    if rank.rank == 0:
        rank_env.emit_result(CollectivesResult(
            kind="collectives", backend=rank.backend, device_type=rank.device.type,
            world_size=rank.world_size, hosts=sorted({t["host"] for t in telemetry}),
            dtype=args.dtype, iters=args.iters, warmup=args.warmup,
            ops=results, wrong_total=sum(r["wrong_total"] for r in results.values()),
            telemetry=telemetry,
        ))
