"""Load-test the web demo: concurrent clients on loopback against the sentiment tab, bounded in time and count,
next to the offline batch throughput of the same model measured in the same run.

    .venv/bin/python benchmarks/demo_load.py                      # 16 clients, 60 s
    .venv/bin/python benchmarks/demo_load.py --clients 4 --duration 10

Starts ``nlpsuite demo --offline --tasks sentiment`` in a child process on
127.0.0.1 and a free port (the embedded MiniLM, no network), warms it up, then
runs ``--clients`` users (one session each, like separate browser tabs) that
send sentences back to back through Gradio's HTTP API (``--client gradio_client``:
a ``gradio_client.Client`` per user, which costs a whole core here) for ``--duration`` seconds or until
``--max-requests`` answers in all.  The server's resident memory is sampled every
second.  Before the server starts, the same embedded model predicts
``--batch-texts`` of the same sentences in one ``LoadedTask.predict`` call (the
harness's batched path), in this process: the ceiling a server that batches
across users can approach.  Prints requests/s, latency percentiles, failures and
the memory trend, then the target (at least a quarter of the batch throughput,
p95 under 1 s, no failure); exits 1 when any request failed or memory grew by
more than ``--max-growth-mb`` between the first and last tenth of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
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


def batch_throughput(n_texts: int) -> float:
    """Texts/s of the embedded sentiment model predicting ``n_texts`` sentences in one batched call (warm)."""
    from nlpsuite.runtime import load_task
    from nlpsuite.session import Session
    from nlpsuite.specs import TaskOptions

    session = Session(offline=True)
    task = load_task("sentiment", None, TaskOptions(offline=True, quiet=True), notify=lambda _m: None, session=session)
    records = [{"text": SENTENCES[i % len(SENTENCES)]} for i in range(n_texts)]
    task.predict(records[:64])  # warm
    began = time.perf_counter()
    outputs = task.predict(records)
    elapsed = time.perf_counter() - began
    assert not any("error" in o for o in outputs)
    return n_texts / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many answers in all")
    parser.add_argument("--max-growth-mb", type=float, default=64.0)
    parser.add_argument("--client", choices=("http", "gradio_client"), default="http",
                        help="http: Gradio's HTTP API from one event loop (default); gradio_client: a Client per user")
    parser.add_argument("--batch-texts", type=int, default=2048, help="texts of the offline batch measurement")
    parser.add_argument("--max-batch-size", type=int, default=None, help="the demo's --max-batch-size (its default)")
    args = parser.parse_args()

    import torch

    batch_rate = batch_throughput(args.batch_texts)
    print(f"offline batch: {batch_rate:.0f} texts/s ({args.batch_texts} texts in one predict call, "
          f"{torch.get_num_threads()} torch threads, this process)")

    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    nlpsuite = Path(sys.executable).with_name("nlpsuite")
    command = [str(nlpsuite), "demo", "--offline", "--tasks", "sentiment", "--port", str(port), "--quiet",
               "--runs-dir", os.path.join(os.environ.get("TMPDIR", "/tmp"), "nlpsuite-demo-load-runs")]
    if args.max_batch_size:
        command += ["--max-batch-size", str(args.max_batch_size)]
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

        def record(t: float, problem: str | None) -> None:
            with lock:
                if problem:
                    failures.append(problem)
                else:
                    latencies.append(time.perf_counter() - t)
                if len(latencies) + len(failures) >= args.max_requests:
                    stop.set()

        def judged(values: list) -> str | None:
            error, label = values[:2]
            ok = not error and isinstance(label, dict) and label.get("label") in ("positive", "negative", "neutral")
            return None if ok else f"unexpected answer {error or label!r}"

        def user_sentences(index: int) -> Iterator[str]:
            """One user's requests: the sentences in turn from their own start, until the run stops."""
            n = index
            while not stop.is_set() and time.perf_counter() < deadline:
                yield SENTENCES[n % len(SENTENCES)]
                n += 1

        def client_loop(index: int) -> None:
            client = Client(url, analytics_enabled=False, verbose=False)
            for sentence in user_sentences(index):
                t = time.perf_counter()
                try:
                    problem = judged(list(client.predict(sentence, ":default:", api_name="/sentiment")))
                except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                    problem = f"{type(exc).__name__}: {exc}"
                record(t, problem)

        async def http_clients() -> None:
            # Gradio's plain HTTP API (POST the inputs, read the answer's event stream), many users on one
            # event loop: the load generator then costs a fraction of a core, where 16 gradio_client threads
            # take a whole one on this machine and end up measuring themselves
            import json as json_module

            import httpx

            async def one(index: int, http: httpx.AsyncClient) -> None:
                session = f"load-test-user-{index}"  # one session per user, as a browser tab keeps one
                for sentence in user_sentences(index):
                    t = time.perf_counter()
                    try:
                        posted = await http.post(f"{url}gradio_api/call/sentiment",
                                                 json={"data": [sentence, ":default:"], "session_hash": session})
                        event_id = posted.json()["event_id"]
                        answer = await http.get(f"{url}gradio_api/call/sentiment/{event_id}")
                        lines = answer.text.splitlines()
                        if "event: complete" not in lines:
                            raise RuntimeError(answer.text[:200])
                        data = lines[lines.index("event: complete") + 1].removeprefix("data: ")
                        problem = judged(json_module.loads(data))
                    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                        problem = f"{type(exc).__name__}: {exc}"
                    record(t, problem)

            limits = httpx.Limits(max_connections=args.clients * 2)
            async with httpx.AsyncClient(timeout=60, limits=limits) as http:
                await asyncio.gather(*(one(i, http) for i in range(args.clients)))

        samples: list[tuple[float, float]] = []

        def sample_memory() -> None:
            start = time.perf_counter()
            while not stop.is_set() and time.perf_counter() < deadline:
                samples.append((time.perf_counter() - start, rss_mb(server.pid)))
                time.sleep(1.0)

        if args.client == "http":
            threads = [threading.Thread(target=lambda: asyncio.run(http_clients()))]
        else:
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
    print(f"{args.clients} clients ({args.client}) for {elapsed:.1f} s: {answered} answered, {len(failures)} failed")
    print(f"throughput {answered / elapsed:.1f} requests/s; latency p50 {pct(0.5) * 1000:.0f} ms, "
          f"p95 {pct(0.95) * 1000:.0f} ms, max {ordered[-1] * 1000 if ordered else float('nan'):.0f} ms")
    print(f"server RSS: {samples[0][1] if samples else float('nan'):.0f} MB at start of load, "
          f"first tenth {early:.0f} MB, last tenth {late:.0f} MB (growth {late - early:+.1f} MB), "
          f"max {max((m for _, m in samples), default=float('nan')):.0f} MB over {len(samples)} samples")
    rate = answered / elapsed
    print(f"served / offline batch: {rate / batch_rate:.2f} (target at least 0.25; p95 under 1 s; no failure): "
          + ("met" if rate >= batch_rate / 4 and pct(0.95) < 1.0 and not failures else "NOT met"))
    for problem in failures[:5]:
        print(f"  failure: {problem}")
    grew = late - early > args.max_growth_mb
    if failures or grew:
        print("FAILED: " + ("requests failed" if failures else f"memory grew more than {args.max_growth_mb} MB"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
