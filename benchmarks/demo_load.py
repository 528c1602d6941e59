"""Load-test the web demo: concurrent clients on loopback against the sentiment tab, bounded in time and count.

    .venv/bin/python benchmarks/demo_load.py                      # 16 clients, 60 s
    .venv/bin/python benchmarks/demo_load.py --clients 4 --duration 10

Starts ``nlpsuite demo --offline --tasks sentiment`` in a child process on
127.0.0.1 and a free port (the embedded MiniLM, no network), warms it up, then
runs ``--clients`` gradio_client clients (one session each, like separate users)
that send sentences back to back for ``--duration`` seconds or until
``--max-requests`` answers in all.  The server's resident memory is sampled every
second.  Prints requests/s, latency percentiles and the memory trend; exits 1
when any request failed or memory grew by more than ``--max-growth-mb`` between
the first and last tenth of the run.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

SENTENCES = (
    "The room was lovely and the staff were kind.",
    "The battery died after two days and support never answered.",
    "A slow start, but the last hour is wonderful.",
    "I would not eat here again.",
    "Great value, friendly people, and the view is stunning.",
    "The film drags and the jokes fall flat.",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout_s: float = 300) -> float:
    import httpx

    began = time.perf_counter()
    while time.perf_counter() - began < timeout_s:
        if process.poll() is not None:
            raise SystemExit(f"the demo exited with status {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - began
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the demo did not answer within {timeout_s:.0f} s")


def rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many answers in all")
    parser.add_argument("--max-growth-mb", type=float, default=64.0)
    args = parser.parse_args()

    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    nlpsuite = Path(sys.executable).with_name("nlpsuite")
    command = [str(nlpsuite), "demo", "--offline", "--tasks", "sentiment", "--port", str(port), "--quiet",
               "--runs-dir", os.path.join(os.environ.get("TMPDIR", "/tmp"), "nlpsuite-demo-load-runs")]
    began = time.perf_counter()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        up_s = wait_until_up(url, server)
        print(f"server answered after {up_s:.1f} s (pid {server.pid}, {rss_mb(server.pid):.0f} MB)")
        warm = Client(url, analytics_enabled=False, verbose=False)
        first = time.perf_counter()
        warm.predict(SENTENCES[0], ":default:", api_name="/sentiment")
        print(f"first request (loads the model): {time.perf_counter() - first:.1f} s; "
              f"{time.perf_counter() - began:.1f} s from launch")
        for sentence in SENTENCES:
            warm.predict(sentence, ":default:", api_name="/sentiment")

        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()
        deadline = time.perf_counter() + args.duration

        def client_loop(index: int) -> None:
            client = Client(url, analytics_enabled=False, verbose=False)
            n = index
            while not stop.is_set() and time.perf_counter() < deadline:
                sentence = SENTENCES[n % len(SENTENCES)]
                n += 1
                t = time.perf_counter()
                try:
                    label = client.predict(sentence, ":default:", api_name="/sentiment")[0]
                    ok = isinstance(label, dict) and label.get("label") in ("positive", "negative", "neutral")
                    problem = None if ok else f"unexpected answer {label!r}"
                except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                    problem = f"{type(exc).__name__}: {exc}"
                with lock:
                    if problem:
                        failures.append(problem)
                    else:
                        latencies.append(time.perf_counter() - t)
                    if len(latencies) + len(failures) >= args.max_requests:
                        stop.set()

        samples: list[tuple[float, float]] = []

        def sample_memory() -> None:
            start = time.perf_counter()
            while not stop.is_set() and time.perf_counter() < deadline:
                samples.append((time.perf_counter() - start, rss_mb(server.pid)))
                time.sleep(1.0)

        threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(args.clients)]
        sampler = threading.Thread(target=sample_memory)
        load_began = time.perf_counter()
        sampler.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        sampler.join()
        elapsed = time.perf_counter() - load_began
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    answered = len(latencies)
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")

    tenth = max(1, len(samples) // 10)
    early = statistics.mean(m for _, m in samples[:tenth]) if samples else float("nan")
    late = statistics.mean(m for _, m in samples[-tenth:]) if samples else float("nan")
    print(f"{args.clients} clients for {elapsed:.1f} s: {answered} answered, {len(failures)} failed")
    print(f"throughput {answered / elapsed:.1f} requests/s; latency p50 {pct(0.5) * 1000:.0f} ms, "
          f"p95 {pct(0.95) * 1000:.0f} ms, max {ordered[-1] * 1000 if ordered else float('nan'):.0f} ms")
    print(f"server RSS: {samples[0][1] if samples else float('nan'):.0f} MB at start of load, "
          f"first tenth {early:.0f} MB, last tenth {late:.0f} MB (growth {late - early:+.1f} MB), "
          f"max {max((m for _, m in samples), default=float('nan')):.0f} MB over {len(samples)} samples")
    for problem in failures[:5]:
        print(f"  failure: {problem}")
    grew = late - early > args.max_growth_mb
    if failures or grew:
        print("FAILED: " + ("requests failed" if failures else f"memory grew more than {args.max_growth_mb} MB"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
