"""Time from start to first answer (issue 10's benchmark): loopback only.

    python -m bench.first_answer --url http://127.0.0.1:5005 -- make run-production

Starts the command in a session of its own, asks the REST channel every quarter second until
a reply with text comes back, prints the seconds, and leaves the command running (its process
group id is printed: stop it with ``kill -TERM -<pgid>``). Gives up after --timeout seconds.
"""

from __future__ import annotations

import argparse
import subprocess
import time

import httpx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--log", default="/dev/null", help="where the command's output goes")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if not args.url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise SystemExit("the benchmark talks to loopback addresses only")
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    started = time.perf_counter()
    with open(args.log, "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    url = f"{args.url.rstrip('/')}/webhooks/rest/webhook"
    body = {"sender": "bench-first-answer", "message": "Hallo"}
    while time.perf_counter() - started < args.timeout:
        if process.poll() is not None:
            raise SystemExit(f"the command ended with {process.returncode}")
        try:
            response = httpx.post(url, json=body, timeout=30)
            if response.status_code == 200 and any(m.get("text") for m in response.json()):
                print(f"first_answer_s: {time.perf_counter() - started:.1f}")
                print(f"pgid: {process.pid}")
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.25)  # polling a server that is starting: nothing to await
    raise SystemExit(f"no answer within {args.timeout:.0f} s (pgid {process.pid})")


if __name__ == "__main__":
    main()
