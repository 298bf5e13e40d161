"""Load generator for the assistant's REST channel (issue 10's benchmark): loopback only.

    python -m bench.load --url http://127.0.0.1:5005 [--visitors 20 --messages 10 --series 50]

20 concurrent visitors send 10 messages each (a fixed mix of German and English questions),
then one visitor sends a sequential series; prints throughput, p50/p95 latency, and the resident
memory and the CPU time per message of the processes whose command line matches --processes.
CPU time per message (user + system, over the whole run) depends much less on what else the
machine is doing than throughput does: use it to compare changes on a busy machine.
Bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from pathlib import Path

import httpx

QUESTIONS = [
    "Welche Partnerstädte hat Berlin?",
    "Is Vienna a partner city?",
    "Seit wann ist Tokio Partnerstadt?",
    "and who signed it?",
    "Which partner cities are in Asia?",
    "Wie viele sind das?",
    "Who handles protocol matters?",
    "Wer ist der Regierende Bürgermeister?",
    "Is Moscow still a partner?",
    "Hallo",
]


async def _visitor(
    client: httpx.AsyncClient, url: str, messages: int, latencies: list[float]
) -> int:
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    failures = 0
    for i in range(messages):
        started = time.perf_counter()
        response = await client.post(
            url, json={"sender": sender, "message": QUESTIONS[i % len(QUESTIONS)]}, timeout=60
        )
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200 or not response.json():
            failures += 1
    return failures


async def run(base: str, visitors: int, messages: int, series: int) -> dict[str, float]:
    url = f"{base.rstrip('/')}/webhooks/rest/webhook"
    limits = httpx.Limits(max_connections=visitors + 2)
    async with httpx.AsyncClient(limits=limits) as client:
        await _visitor(client, url, 2, [])  # warm-up
        concurrent: list[float] = []
        started = time.perf_counter()
        failures = sum(
            await asyncio.gather(
                *(_visitor(client, url, messages, concurrent) for _ in range(visitors))
            )
        )
        elapsed = time.perf_counter() - started
        sequential: list[float] = []
        failures += await _visitor(client, url, series, sequential)
    return {
        "throughput": visitors * messages / elapsed,
        "concurrent_p50_ms": statistics.median(concurrent) * 1000,
        "concurrent_p95_ms": statistics.quantiles(concurrent, n=20)[18] * 1000,
        "sequential_p50_ms": statistics.median(sequential) * 1000,
        "sequential_p95_ms": statistics.quantiles(sequential, n=20)[18] * 1000,
        "failures": failures,
    }


def _processes(pattern: str) -> dict[str, Path]:
    """The processes whose command line contains `pattern` (not this one), by a readable name."""
    found: dict[str, Path] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        if pattern in cmd and "bench.load" not in cmd:
            found[f"{proc.name} {cmd[:80]}"] = proc
    return found


def resident_mb(pattern: str) -> dict[str, float]:
    """Resident memory (MB) of processes whose command line contains `pattern`."""
    found: dict[str, float] = {}
    for name, proc in _processes(pattern).items():
        try:
            rss = next(
                int(line.split()[1])
                for line in (proc / "status").read_text().splitlines()
                if line.startswith("VmRSS:")
            )
        except (OSError, StopIteration, ValueError):
            continue
        found[name] = rss / 1024
    return found


def cpu_seconds(pattern: str) -> dict[str, float]:
    """User + system CPU seconds so far of processes whose command line contains `pattern`."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for name, proc in _processes(pattern).items():
        try:
            # Fields after the command name in parentheses; utime and stime are 14 and 15.
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            found[name] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--series", type=int, default=50)
    parser.add_argument(
        "--processes", default="", help="command-line part of the processes to measure"
    )
    args = parser.parse_args()
    if not args.url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise SystemExit("the benchmark talks to loopback addresses only")
    cpu_before = cpu_seconds(args.processes) if args.processes else {}
    result = asyncio.run(run(args.url, args.visitors, args.messages, args.series))
    for key, value in result.items():
        print(f"{key}: {value:.1f}")
    if args.processes:
        sent = 2 + args.visitors * args.messages + args.series  # with the warm-up
        cpu_after = cpu_seconds(args.processes)
        used = {n: cpu_after[n] - cpu_before[n] for n in cpu_after if n in cpu_before}
        for name, seconds in sorted(used.items()):
            print(f"cpu_ms_per_message {seconds * 1000 / sent:.1f}  {name}")
        print(f"cpu_ms_per_message_total: {sum(used.values()) * 1000 / sent:.1f}")
        memory = resident_mb(args.processes)
        for name, mb in sorted(memory.items()):
            print(f"rss_mb {mb:.0f}  {name}")
        print(f"rss_total_mb: {sum(memory.values()):.0f}")


if __name__ == "__main__":
    main()
