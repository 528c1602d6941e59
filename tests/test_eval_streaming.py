"""The harness streams samples (columns for scoring, rows written and read one at a time) without changing a
number: figures and files pinned here were produced by the row-based harness before streaming."""

from __future__ import annotations

import hashlib
import json
import random
import re

import numpy as np
import pytest

from nlpsuite.errors import InputError
from nlpsuite.evaluation import bootstrap
from nlpsuite.evaluation.bootstrap import bootstrap_ci
from nlpsuite.evaluation.report import write_reports
from nlpsuite.evaluation.results import read_run
from nlpsuite.evaluation.runner import rescore_run
from nlpsuite.registry import get_metric
from nlpsuite.specs import MetricResult
from tests.eval_run_dirs import write_run_dir

LABELS = ["pos", "neg", "neutral"]


def _sentiment_run(tmp_path):
    rng = random.Random(5)
    rows = [(f"s{i}", rng.choice(LABELS), rng.choice(LABELS)) for i in range(400)]
    return write_run_dir(tmp_path / "run", "sentiment", rows, errors={"s5": "boom", "s17": "bad"})


def test_rescored_metrics_and_samples_file_are_bit_identical_to_the_row_based_harness(tmp_path):
    run_dir = _sentiment_run(tmp_path)
    outcome = rescore_run(run_dir, seed=11, n_bootstrap=500)
    metrics = json.loads((run_dir / "results.json").read_text())["metrics"]
    figures = {name: (m["value"], m["ci"]["low"], m["ci"]["high"], m["n_failed"]) for name, m in metrics.items()}
    assert figures == {
        "accuracy": (0.3475, 0.3011875, 0.3975, 2),
        "macro_f1": (0.34704460933468567, 0.300879943572994, 0.3964690347720133, 2),
    }
    assert hashlib.sha256((run_dir / "samples.jsonl").read_bytes()).hexdigest() == (
        "39f54bc3b37fe9a6d749643c0538974d525eedb43e3c06ba712286b1ad64e0b7"
    )
    rows = outcome.samples  # read back from the run directory
    assert [r["id"] for r in rows[:3]] == ["s0", "s1", "s2"] and rows[5]["error"] == "boom"
    assert rows[5]["scores"] == {"accuracy": 0.0}


def test_bootstrap_draws_do_not_depend_on_chunking(monkeypatch):
    rng = np.random.default_rng(33)
    accuracy, macro_f1 = get_metric("accuracy"), get_metric("macro_f1")
    per_sample = [float(v) for v in rng.random(33) < 0.6]
    stats = macro_f1.compute([str(v) for v in rng.integers(0, 3, 33)], [str(v) for v in rng.integers(0, 3, 33)], {})

    def intervals():
        return [(ci.low, ci.high) for ci in (
            bootstrap_ci(accuracy, MetricResult(value=0, per_sample=per_sample), {}, n_resamples=250, seed=3),
            bootstrap_ci(macro_f1, stats, {}, n_resamples=250, seed=3),
        )]

    # figures of the former single-bincount chunks of 4M cells, int64 draws
    pinned = [(0.5454545454545454, 0.8787878787878788), (0.31971176971176973, 0.6324762043512044)]
    assert intervals() == pinned
    monkeypatch.setattr(bootstrap, "_CHUNK_CELLS", 7 * 33)  # seven resamples per chunk
    assert intervals() == pinned


def test_a_samples_file_that_lost_rows_is_refused_when_streamed(tmp_path):
    run_dir = _sentiment_run(tmp_path)
    lines = (run_dir / "samples.jsonl").read_text().splitlines(keepends=True)
    (run_dir / "samples.jsonl").write_text("".join(lines[:-1]))
    with pytest.raises(InputError, match="holds 399 samples but results.json says 400"):
        rescore_run(run_dir)
    assert (run_dir / "results.json").is_file()  # refused while scoring, before anything was rewritten


def test_report_lists_failed_samples_then_the_worst_in_file_order(tmp_path):
    run_dir = _sentiment_run(tmp_path)
    rows = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    write_reports(run_dir)
    html = (run_dir / "report.html").read_text()
    table = html[html.index("Samples to look at"):]
    shown = re.findall(r"<tr><td>(s\d+)</td>", table)
    wrong = [r["id"] for r in rows if not r["error"] and r["scores"]["accuracy"] == 0.0]
    assert shown == (["s5", "s17"] + wrong)[:10]


def test_rows_are_read_back_by_position_without_the_others(tmp_path):
    run = read_run(_sentiment_run(tmp_path))
    every = list(run.iter_samples())
    assert run.samples_at([3, 1, 399]) == {1: every[1], 3: every[3], 399: every[399]}
