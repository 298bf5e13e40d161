"""Training benchmark: wall time and peak memory of a full `rasa train --force` on this machine.

Run with `make benchmark`; prints one Markdown table row to append to docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    rasa = Path(sys.executable).parent / "rasa"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [str(rasa), "train", "--force", "--out", out, "--fixed-model-name", "bench"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    load = os.getloadavg()[0]
    print(
        f"| {dt.date.today()} | {platform.machine()}, {os.cpu_count()} cores | "
        f"{seconds:.0f} s | {peak_mib:.0f} MiB | load before/after: {load:.1f} |"
    )


if __name__ == "__main__":
    main()
