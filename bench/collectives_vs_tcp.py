"""Collectives bus bandwidth against raw TCP throughput between two inventory hosts, over their QSFP link.

    python bench/collectives_vs_tcp.py --inventory inventories/sim_lab.py [--hosts A,B] [--op all_reduce]
        [--size 64M] [--iters 10] [--tcp-seconds 10] [--tcp-bytes 8G] [--json FILE]

1. raw TCP: a Python socket receiver on B (bound to B's QSFP address) and a sender on A, started over SSH;
   one stream, bounded by --tcp-seconds and --tcp-bytes; throughput = bytes / (first byte → end) at B;
2. ``python -m distributed collectives`` with one rank on A and one on B, one op at one size;
3. prints both, and busbw / TCP (goal >= 0.5: the collectives stack keeps at least half of what the link gives
   one TCP stream), busbw being the better of the out-of-place and in-place runs. For two ranks busbw is the
   bytes each rank sends across the link per second, the quantity a one-way TCP stream measures.
   Exit 0 goal met, 1 not met, 2 could not measure.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from distributed.launch.cluster import nodes_from_inventory  # noqa: E402
from distributed.launch.commands import shell_line  # noqa: E402
from distributed.launch.jobs import Job, run_jobs  # noqa: E402
from distributed.nccl_tests.sizes import parse_size  # noqa: E402
from distributed.protocol import RESULT_MARK  # noqa: E402
from sparklab.toolcli import FAIL, PASS, USAGE, UsageError  # noqa: E402

GOAL = 0.5
# Runs on the hosts with their system python3: role host port, then the receiver's time limit or the
# sender's seconds and byte budget. The receiver prints its measurement as a marked result line.
TCP_SCRIPT = f"""
import json, socket, sys, time
role, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if role == "recv":
    limit = float(sys.argv[4])
    server = socket.create_server((host, port))
    server.settimeout(limit)
    conn, _ = server.accept()
    conn.settimeout(limit)
    buffer, total, first = bytearray(1 << 22), 0, None
    while True:
        got = conn.recv_into(buffer)
        if not got:
            break
        first = first or time.perf_counter()
        total += got
    seconds = time.perf_counter() - first if first else 0.0
    print({RESULT_MARK!r} + json.dumps({{"bytes": total, "seconds": seconds}}), flush=True)
else:
    seconds, budget = float(sys.argv[4]), int(sys.argv[5])
    deadline = time.monotonic() + 30  # the receiver may still be starting
    while True:
        try:
            conn = socket.create_connection((host, port), timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    chunk, sent, end = bytes(1 << 22), 0, time.monotonic() + seconds
    while sent < budget and time.monotonic() < end:
        conn.sendall(chunk)
        sent += len(chunk)
    conn.close()
    print(f"sent {{sent}} bytes", flush=True)
"""


def tcp_throughput(sender, receiver, port: int, seconds: float, budget: int) -> dict:
    limit = seconds + 60
    jobs = [
        Job(receiver.name, node=receiver, command=shell_line(
            ["python3", "-c", TCP_SCRIPT, "recv", receiver.address, str(port), str(limit)])),
        Job(sender.name, node=sender, command=shell_line(
            ["python3", "-c", TCP_SCRIPT, "send", receiver.address, str(port), str(seconds), str(budget)])),
    ]
    outcome = run_jobs(jobs, limit + 30)
    if not outcome.ok or not outcome.result or not outcome.result["seconds"]:
        raise RuntimeError(f"TCP measurement failed: {outcome.error or outcome.result}")
    return {**outcome.result, "gbps": outcome.result["bytes"] / outcome.result["seconds"] / 1e9}


def collectives_busbw(inventory: str, hosts: list[str], op: str, size: int, iters: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "collectives.json"
        done = subprocess.run(
            [sys.executable, "-m", "distributed", "collectives", "--inventory", inventory,
             "--hosts", ",".join(hosts), "--ops", op, "--min-bytes", str(size), "--max-bytes", str(size),
             "--iters", str(iters), "--json", str(out)], cwd=REPO)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"collectives failed (exit {done.returncode})")
        result = json.loads(out.read_text())
    (row,) = result["ops"][op]["rows"]
    # The better place: torch's all_reduce and broadcast are in-place calls (out-of-place adds a copy).
    sides = [side for side in (row["out_of_place"], row["in_place"]) if side]
    best = max(sides, key=lambda side: side["busbw"])
    return {"backend": result["backend"], "size": row["size"], "busbw_gbps": best["busbw"],
            "out_of_place": row["out_of_place"], "in_place": row["in_place"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inventory", required=True)
    parser.add_argument("--hosts", type=lambda s: s.split(","),
                        help="the two hosts A,B (default: the first two)")
    parser.add_argument("--op", default="all_reduce")
    parser.add_argument("--size", type=parse_size, default=parse_size("64M"))
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--tcp-port", type=int, default=5201)
    parser.add_argument("--tcp-seconds", type=float, default=10.0)
    parser.add_argument("--tcp-bytes", type=parse_size, default=parse_size("8G"))
    parser.add_argument("--json", help="write the measurements here")
    args = parser.parse_args(argv)
    try:
        nodes = nodes_from_inventory(args.inventory, args.hosts)[:2]
        if len(nodes) != 2:
            raise UsageError("need two hosts")
        tcp = tcp_throughput(nodes[0], nodes[1], args.tcp_port, args.tcp_seconds, args.tcp_bytes)
        names = [n.name for n in nodes]
        collective = collectives_busbw(args.inventory, names, args.op, args.size, args.iters)
    except (UsageError, RuntimeError) as error:
        print(f"collectives_vs_tcp: ERROR — {error}", file=sys.stderr)
        return USAGE
    ratio = collective["busbw_gbps"] / tcp["gbps"]
    print(f"raw TCP {nodes[0].name} -> {nodes[1].name} over {nodes[1].iface} ({nodes[1].address}): "
          f"{tcp['gbps']:.3f} GB/s ({tcp['bytes']} bytes in {tcp['seconds']:.2f} s)")
    print(f"collectives {args.op} ({collective['backend']}) at {collective['size']} bytes: busbw "
          f"{collective['busbw_gbps']:.3f} GB/s")
    print(f"ratio busbw / TCP = {ratio:.2f} (goal >= {GOAL}): {'met' if ratio >= GOAL else 'NOT met'}")
    if args.json:
        measured = {"tcp": tcp, "collectives": collective, "ratio": ratio, "goal": GOAL, "hosts": names}
        Path(args.json).write_text(json.dumps(measured, indent=1) + "\n")
    return PASS if ratio >= GOAL else FAIL


if __name__ == "__main__":
    sys.exit(main())
