"""A run killed mid-predict (SIGKILL) resumes from the cache: every sample scored once, same metrics, no torn files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nlpsuite.evaluation.prediction_cache import CACHE_FILE

REPO = Path(__file__).resolve().parent.parent
N_SAMPLES = 24
DELAY_S = 0.15  # per batch of one: the whole predict stage takes about 3.6 s

CLI = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin
from nlpsuite.cli.app import main
with fresh_registry([("evaltest", EvalTestPlugin())]):
    sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def workspace(tmp_path):
    from tests.eval_plugin import write_keyword_model

    words = ["good", "dull", "great", "bland", "loved", "boring"]
    rows = [{"id": f"r{i:02d}", "text": " ".join(words[(i + k) % 6] for k in range(1 + i % 4)),
             "label": "positive" if i % 3 else "negative"} for i in range(N_SAMPLES)]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "cli.py").write_text(CLI, encoding="utf-8")
    write_keyword_model(tmp_path / "model")
    return tmp_path


def command(ws: Path, out: str, *extra: str) -> list[str]:
    return [sys.executable, str(ws / "cli.py"), "eval", "--task", "kwlabel", "--model", str(ws / "model"),
            "--dataset", str(ws / "data.jsonl"), "--batch-size", "1", "--output-dir", str(ws / out), "--quiet", *extra]


def environment(ws: Path, *, delay: float, calls: str) -> dict[str, str]:
    return {**os.environ, "NLPSUITE_CACHE_DIR": str(ws / "cache"), "EVAL_TEST_DELAY_S": str(delay),
            "EVAL_TEST_CALLS": str(ws / calls), "HF_HUB_OFFLINE": "1"}


def cached_rows(ws: Path) -> int:
    path = ws / "cache" / CACHE_FILE
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(str(path), timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def kill_mid_predict(ws: Path, cmd: list[str], env: dict[str, str], at_least: int,
                     sig: signal.Signals = signal.SIGKILL) -> tuple[int, str]:
    """Start ``cmd``, send ``sig`` once the cache holds ``at_least`` rows; returns the rows committed and stderr."""
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while cached_rows(ws) < at_least:
            if process.poll() is not None:
                pytest.fail(f"eval ended before it could be killed: {process.stderr.read().decode()}")
            if time.monotonic() > deadline:
                pytest.fail("the cache never filled")
            time.sleep(0.02)
        process.send_signal(sig)
        process.wait(timeout=30)
        stderr = process.stderr.read().decode()
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stderr.close()
    # Ctrl-C ends through the CLI's KeyboardInterrupt handling (exit 130); SIGKILL gives no chance to react
    assert process.returncode == (130 if sig == signal.SIGINT else -sig), stderr
    return cached_rows(ws), stderr


def read_samples(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()]


def test_killed_run_resumes_and_matches_an_uninterrupted_run(workspace):
    ws = workspace
    # An earlier, finished run in the same directory: a kill must leave its results.json whole.
    earlier = subprocess.run(command(ws, "run", "--limit", "3"), env=environment(ws, delay=0, calls="c0"),
                             capture_output=True, text=True, timeout=120)
    assert earlier.returncode == 0, earlier.stderr

    committed, _ = kill_mid_predict(ws, command(ws, "run"), environment(ws, delay=DELAY_S, calls="c1"), at_least=6)
    assert 6 <= committed < N_SAMPLES, "the kill must land mid-predict"
    results = json.loads((ws / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["dataset"]["n"] == 3  # still the earlier run's complete file, not a torn new one

    resumed = subprocess.run(command(ws, "run"), env=environment(ws, delay=0, calls="c2"),
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    predicted_again = (ws / "c2").read_text(encoding="utf-8").splitlines()
    assert len(predicted_again) == N_SAMPLES - committed  # only what the killed run had not committed
    results = json.loads((ws / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["runtime"]["cached_samples"] == committed
    assert "eval --task kwlabel" in results["reproducibility"]["command"]
    samples = read_samples(ws / "run")
    assert sorted(s["id"] for s in samples) == sorted({s["id"] for s in samples}) and len(samples) == N_SAMPLES
    assert all(s["error"] is None and s["prediction"] for s in samples)

    fresh = subprocess.run(command(ws, "fresh", "--no-cache"), env=environment(ws, delay=0, calls="c3"),
                           capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    uninterrupted = json.loads((ws / "fresh" / "results.json").read_text(encoding="utf-8"))
    assert results["metrics"] == uninterrupted["metrics"]
    assert samples == read_samples(ws / "fresh")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_interrupted_first_run_leaves_no_results_json(workspace, sig):
    ws = workspace
    committed, stderr = kill_mid_predict(ws, command(ws, "run"), environment(ws, delay=DELAY_S, calls="c1"),
                                         at_least=2, sig=sig)
    assert not (ws / "run" / "results.json").exists()
    if sig == signal.SIGINT:
        assert f"{committed} of {N_SAMPLES} predictions are stored; rerun the same command to resume" in stderr
