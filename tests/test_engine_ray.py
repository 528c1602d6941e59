"""``--engine ray``: the predict stage on a local Ray with 2 workers gives what the local engine gives,
resumes after the driver is killed, survives a worker killed mid-batch, and stays on loopback.

Skipped when Ray is not installed (``pip install 'nlpsuite[ray]'``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'nlpsuite[ray]'")
pytest.importorskip("pyarrow")

from nlpsuite.evaluation.engines import EngineSettings, open_engine  # noqa: E402
from nlpsuite.evaluation.prediction_cache import CACHE_FILE  # noqa: E402
from nlpsuite.evaluation.runner import EvalRequest, run_eval  # noqa: E402
from nlpsuite.specs import TaskOptions  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
RAY_CLI = REPO / "tests" / "ray_cli.py"
TWO_WORKERS = EngineSettings(name="ray", num_workers=2)


@pytest.fixture(scope="module")
def local_ray(one_torch_thread):
    """One private local Ray (2 CPUs) for the in-process tests; engines made later join it.

    The local engine runs on one torch thread here, as each Ray actor does (``--cpus-per-worker 1``):
    a different thread count sums floats in another order, which moves scores in the 6th decimal.
    """
    engine = open_engine(TWO_WORKERS)
    engine.connect()
    yield engine
    engine.close()


def evaluate(tmp_path: Path, name: str, engine, **request) -> object:
    options = request.pop("options", TaskOptions(quiet=True))
    return run_eval(EvalRequest(output_dir=tmp_path / name, use_cache=False, n_bootstrap=200, options=options,
                                **request), notify=lambda _m: None, engine=engine)


def assert_same_run(local, ray_run) -> None:
    differ = [(a["id"], a["prediction"], b["prediction"]) for a, b in zip(local.samples, ray_run.samples) if a != b]
    assert differ == []
    assert ray_run.samples == local.samples  # every prediction and per-sample score, in dataset order
    assert ray_run.results["metrics"] == local.results["metrics"]
    assert ray_run.results["runtime"]["engine"]["name"] == "ray"
    assert ray_run.results["runtime"]["cache_key"] == local.results["runtime"]["cache_key"]


def test_tiny_trained_translator_gives_the_same_predictions_and_metrics(local_ray, tmp_path, tiny_translator):
    from nlpsuite.testing.tiny_seq2seq import DEFAULT_PAIRS

    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps({"id": f"p{i}", "source": s, "target": t}) + "\n"
                            for i, (s, t) in enumerate(DEFAULT_PAIRS)), encoding="utf-8")
    request = dict(task="translation", model=str(tiny_translator), dataset=str(data),
                   options=TaskOptions(quiet=True, batch_size=2))
    with open_engine() as local_engine:
        local = evaluate(tmp_path, "local", local_engine, **request)
    with open_engine(TWO_WORKERS) as engine:
        on_ray = evaluate(tmp_path, "ray", engine, **request)
    assert_same_run(local, on_ray)
    assert on_ray.results["metrics"]["bleu"]["value"] == pytest.approx(100.0)
    assert on_ray.results["runtime"]["n_batches"] == 5


def test_embedded_sentiment_model_gives_the_same_predictions_and_metrics(local_ray, tmp_path):
    request = dict(task="sentiment", model="all-MiniLM-L6-v2", options=TaskOptions(quiet=True, batch_size=8))
    with open_engine() as local_engine:
        local = evaluate(tmp_path, "local", local_engine, **request)
    with open_engine(TWO_WORKERS) as engine:
        on_ray = evaluate(tmp_path, "ray", engine, **request)
    assert_same_run(local, on_ray)
    assert len(on_ray.samples) == 30 and all(s["error"] is None for s in on_ray.samples)


# -- the CLI in its own process: kills and strace --------------------------------------------------------------

N_SAMPLES = 24


@pytest.fixture
def workspace():
    # short: Ray's Unix socket paths live under NLPSUITE_RAY_TEMP_DIR and may not exceed 107 bytes
    ws = Path(tempfile.mkdtemp(prefix="nlt-", dir="/tmp"))
    from tests.eval_plugin import write_keyword_model

    words = ["good", "dull", "great", "bland", "loved", "boring"]
    rows = [{"id": f"r{i:02d}", "text": " ".join(words[(i + k) % 6] for k in range(1 + i % 4)) + f" n{i}",
             "label": "positive" if i % 3 else "negative"} for i in range(N_SAMPLES)]
    (ws / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    write_keyword_model(ws / "model")
    yield ws
    shutil.rmtree(ws, ignore_errors=True)


def command(ws: Path, out: str, *extra: str, engine: str = "ray") -> list[str]:
    return [sys.executable, str(RAY_CLI), "eval", "--task", "kwlabel", "--model", str(ws / "model"),
            "--dataset", str(ws / "data.jsonl"), "--batch-size", "2", "--output-dir", str(ws / out), "--quiet",
            "--engine", engine, *(("--num-workers", "2") if engine == "ray" else ()), *extra]


def environment(ws: Path, *, delay: float, run: str) -> dict[str, str]:
    return {**os.environ, "NLPSUITE_CACHE_DIR": str(ws / "cache"), "EVAL_TEST_DELAY_S": str(delay),
            "EVAL_TEST_CALLS": str(ws / f"{run}.calls"), "EVAL_TEST_PIDS": str(ws / f"{run}.pids"),
            "NLPSUITE_RAY_TEMP_DIR": str(ws / run), "HF_HUB_OFFLINE": "1"}


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def cached_rows(ws: Path) -> int:
    path = ws / "cache" / CACHE_FILE
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(str(path), timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def samples_of(run: Path) -> list[dict]:
    return [json.loads(line) for line in lines(run / "samples.jsonl")]


def processes_under(directory: Path) -> list[int]:
    """Processes whose command line names ``directory`` (a local Ray's daemons and workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(directory) in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_until(condition, what: str, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"eval ended before {what}: {process.stderr.read().decode()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.05)


def uninterrupted_local_run(ws: Path) -> list[dict]:
    done = subprocess.run(command(ws, "local", "--no-cache", engine="local"), env=environment(ws, delay=0, run="l"),
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return samples_of(ws / "local")


def test_killed_driver_resumes_from_the_cache_under_ray(workspace):
    ws = workspace
    process = subprocess.Popen(command(ws, "run"), env=environment(ws, delay=0.4, run="k"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: cached_rows(ws) >= 6, "the cache held 6 rows", process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stderr.close()
    committed = cached_rows(ws)
    assert 6 <= committed < N_SAMPLES, "the kill must land mid-predict"
    assert not (ws / "run" / "results.json").exists()
    # the private Ray dies with its driver: nothing of it keeps running
    deadline = time.monotonic() + 60
    while processes_under(ws / "k") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_under(ws / "k") == []

    resumed = subprocess.run(command(ws, "run"), env=environment(ws, delay=0, run="r"),
                             capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert len(lines(ws / "r.calls")) == N_SAMPLES - committed  # only what the killed run had not committed
    results = json.loads((ws / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["runtime"]["cached_samples"] == committed
    assert results["runtime"]["engine"]["name"] == "ray"
    samples = samples_of(ws / "run")
    assert [s["id"] for s in samples] == [f"r{i:02d}" for i in range(N_SAMPLES)]
    assert samples == uninterrupted_local_run(ws)
    assert cached_rows(ws) == N_SAMPLES


def test_worker_killed_mid_batch_is_retried_and_no_sample_is_lost_or_duplicated(workspace):
    ws = workspace
    pids = ws / "w.pids"
    process = subprocess.Popen(command(ws, "run"), env=environment(ws, delay=1.0, run="w"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: len(lines(pids)) >= 2, "two batches had started", process)
        victim = int(lines(pids)[1])  # a worker now sleeping inside predict, mid-batch
        os.kill(victim, signal.SIGKILL)
        _, stderr = process.communicate(timeout=240)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == 0, stderr.decode()
    started = [int(p) for p in lines(pids)]
    assert len(started) > N_SAMPLES // 2, "the killed batch was started again"
    assert victim not in started[2:], "the killed worker did not come back"
    # every sample was predicted to completion exactly once, and stored and written once
    completed = lines(ws / "w.calls")
    assert len(completed) == N_SAMPLES and len(set(completed)) == N_SAMPLES
    assert cached_rows(ws) == N_SAMPLES
    samples = samples_of(ws / "run")
    assert [s["id"] for s in samples] == [f"r{i:02d}" for i in range(N_SAMPLES)]
    assert samples == uninterrupted_local_run(ws)


CONNECT = re.compile(r"connect\(\d+, \{sa_family=(AF_[A-Z0-9]+)(.*?)\}")
LOOPBACK = re.compile(r'inet_addr\("127\.\d+\.\d+\.\d+"\)|inet_pton\(AF_INET6, "(::1|::ffff:127\.\d+\.\d+\.\d+)"')


def connections(trace: str) -> list[tuple[str, str]]:
    """(family, address) of every connect() in an ``strace -f -e trace=connect`` log."""
    return [(m.group(1), m.group(2)) for m in CONNECT.finditer(trace)]


def test_local_ray_connects_only_to_loopback_and_unix_sockets(workspace):
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (apt-get install strace)")
    ws = workspace
    trace = ws / "connect.trace"
    done = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace), *command(ws, "run")],
                          env=environment(ws, delay=0, run="s"), capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "ptrace" in done.stderr.lower():
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr
    assert len(samples_of(ws / "run")) == N_SAMPLES
    seen = connections(trace.read_text(encoding="utf-8", errors="replace"))
    inet = [(family, address) for family, address in seen if family in ("AF_INET", "AF_INET6")]
    assert inet, "the trace caught Ray's loopback connections (strace saw the workers)"
    assert {family for family, _ in seen} <= {"AF_UNIX", "AF_INET", "AF_INET6"}
    beyond = [address for _, address in inet if not LOOPBACK.search(address)]
    assert beyond == [], f"connections beyond loopback: {sorted(set(beyond))[:5]}"


def test_an_audit_on_ray_gives_the_same_pairs_and_statistics_as_the_local_engine(local_ray, tmp_path):
    from nlpsuite.evaluation.audit import AuditRequest, run_audit

    texts = ["He loved the film and his sister did too.", "She found the service slow.",
             "My brother says the food was cold.", "The actress was brilliant.", "His room was tiny and dirty."]
    data = tmp_path / "reviews.jsonl"
    data.write_text("".join(json.dumps({"id": f"r{i}", "text": t, "label": "positive" if i % 2 == 0 else "negative"})
                            + "\n" for i, t in enumerate(texts)), encoding="utf-8")

    def audit(name: str, engine) -> object:
        request = AuditRequest(task="sentiment", model="all-MiniLM-L6-v2", dataset=str(data), perturbations=("gender",),
                               options=TaskOptions(quiet=True, batch_size=4), n_bootstrap=100, min_inputs=2,
                               output_dir=tmp_path / name, use_cache=False, embedding_model=None)
        return run_audit(request, notify=lambda _m: None, engine=engine)

    with open_engine() as local_engine:
        local = audit("local", local_engine)
    with open_engine(TWO_WORKERS) as engine:
        on_ray = audit("ray", engine)
    assert on_ray.pairs == local.pairs and len(local.pairs) >= 5
    assert on_ray.results["perturbations"] == local.results["perturbations"]


def raylets_under(directory: Path) -> list[int]:
    return [pid for pid in processes_under(directory)
            if b"raylet" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the run is supervised on Linux")
def test_the_cluster_dying_under_a_run_ends_with_one_nlpsuite_message_and_the_rerun_resumes(workspace):
    ws = workspace
    process = subprocess.Popen(command(ws, "run"), env=environment(ws, delay=0.4, run="d"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: cached_rows(ws) >= 4 and raylets_under(ws / "d"), "the cache held 4 rows", process)
        for pid in raylets_under(ws / "d"):
            os.kill(pid, signal.SIGKILL)  # the node's raylet dies: the cluster is gone under the run
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait(timeout=30)
    message = stderr.decode()
    assert process.returncode == 1
    assert "the run's Ray driver" in message and "the Ray cluster stopped under it" in message
    assert "run the same command again to predict only the rest" in message and str(ws / "cache") in message
    committed = cached_rows(ws)
    assert 4 <= committed < N_SAMPLES
    resumed = subprocess.run(command(ws, "run"), env=environment(ws, delay=0, run="e"),
                             capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    results = json.loads((ws / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["runtime"]["cached_samples"] == committed
    assert len(lines(ws / "e.calls")) == N_SAMPLES - committed
