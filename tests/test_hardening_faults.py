"""No fault blocks the next run: a damaged or unusable cache, an unusable output directory, killed writes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import types

import pytest

from nlpsuite.cli.app import main
from nlpsuite.evaluation import run_dir_check
from nlpsuite.evaluation.cache_guard import GuardedCache
from nlpsuite.evaluation.prediction_cache import CACHE_FILE, PredictionCache
from nlpsuite.jsonl import write_atomic
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model
from tests.eval_run_dirs import write_run_dir


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def kwlabel(tmp_path, cache_dir, monkeypatch):
    model = write_keyword_model(tmp_path / "model")
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("EVAL_TEST_CALLS", str(calls))
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps({"id": str(i), "text": f"good film {i} " * 30, "label": "positive"}) + "\n"
                            for i in range(200)), encoding="utf-8")
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        def run(*extra, out="run"):
            return main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--quiet",
                         "--bootstrap", "20", "-o", str(tmp_path / out), *extra])

        def predicted() -> int:
            count = len(calls.read_text().splitlines()) if calls.exists() else 0
            calls.unlink(missing_ok=True)
            return count
        run.predicted = predicted
        yield run


def accuracy(tmp_path, out="run"):
    return json.loads((tmp_path / out / "results.json").read_text())["metrics"]["accuracy"]["value"]


def test_a_corrupted_cache_is_moved_aside_and_a_fresh_one_started(kwlabel, tmp_path, cache_dir, capsys):
    cache_dir.mkdir()
    (cache_dir / CACHE_FILE).write_bytes(b"this is not a database" * 200)
    assert kwlabel() == 0
    err = capsys.readouterr().err
    (aside,) = [p for p in cache_dir.iterdir() if ".damaged-" in p.name]
    assert f"moved it to {aside}" in err and "started a fresh cache" in err
    assert aside.read_bytes().startswith(b"this is not a database")
    assert kwlabel.predicted() == 200 and accuracy(tmp_path) == 1.0
    warnings = json.loads((tmp_path / "run" / "results.json").read_text())["warnings"]
    assert any(str(aside) in w for w in warnings)
    # the fresh cache works: the rerun predicts nothing and says nothing
    assert kwlabel() == 0 and kwlabel.predicted() == 0
    assert "warning" not in capsys.readouterr().err


def test_a_truncated_cache_is_detected_mid_run_and_replaced(kwlabel, tmp_path, cache_dir, capsys):
    assert kwlabel() == 0 and kwlabel.predicted() == 200
    path = cache_dir / CACHE_FILE
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    assert len(data) > 40_000  # enough pages that the cut lands inside the predictions table
    path.write_bytes(data[: len(data) // 2])
    assert kwlabel() == 0
    err = capsys.readouterr().err
    assert "was unusable (database disk image is malformed)" in err and "started a fresh cache" in err
    assert kwlabel.predicted() == 200 and accuracy(tmp_path) == 1.0
    assert kwlabel() == 0 and kwlabel.predicted() == 0


def test_an_unusable_cache_location_gives_an_uncached_run_with_a_warning(kwlabel, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(blocker / "cache"))
    assert kwlabel() == 0
    err = capsys.readouterr().err
    assert "cannot be used (Not a directory); this run is uncached" in err and "NLPSUITE_CACHE_DIR" in err
    assert accuracy(tmp_path) == 1.0 and kwlabel.predicted() == 200


def test_a_full_or_read_only_cache_degrades_to_uncached_mid_run(tmp_path, monkeypatch):
    said: list[str] = []
    guarded = GuardedCache(tmp_path / CACHE_FILE, warn=said.append)
    assert guarded.active

    def full(*_args):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(PredictionCache, "store", full)
    assert guarded.store("k", "d", [("1", "h", {"label": "x"})]) == 0
    assert not guarded.active and guarded.lookup("k", "d", [("1", "h")]) == {}
    assert len(said) == 1 and "database or disk is full" in said[0] and "uncached" in said[0]
    assert guarded.store("k", "d", [("1", "h", {"label": "x"})]) == 0 and len(said) == 1  # said once


def test_an_unusable_output_directory_is_found_before_any_prediction(kwlabel, tmp_path, monkeypatch, capsys):
    (tmp_path / "taken").write_text("x")
    for out in ("taken", "taken/sub"):
        assert kwlabel(out=out) == 2
        err = capsys.readouterr().err
        assert f"cannot write the run directory {tmp_path / out}: {tmp_path / 'taken'} is a file" in err
        assert "internal error" not in err
    assert kwlabel.predicted() == 0

    def read_only(**_kwargs):
        raise OSError(30, "Read-only file system")
    monkeypatch.setattr(run_dir_check, "tempfile", types.SimpleNamespace(mkstemp=read_only))
    assert kwlabel(out="elsewhere") == 2
    assert "is not writable (Read-only file system)" in capsys.readouterr().err
    assert kwlabel.predicted() == 0


def test_output_that_cannot_be_written_at_the_end_is_a_clear_error(kwlabel, tmp_path, monkeypatch, capsys):
    import nlpsuite.evaluation.results as results_module

    def disk_full(*_args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(results_module, "write_jsonl_atomic", disk_full)
    assert kwlabel() == 2
    err = capsys.readouterr().err
    assert "cannot write the run directory" in err and "No space left on device" in err
    assert "predictions are cached" in err


def test_a_killed_atomic_write_leaves_no_temp_file_after_the_next_write(tmp_path):
    target = tmp_path / "results.json"
    script = (
        "import os, signal, sys\n"
        "import nlpsuite.jsonl as j\n"
        "real = os.replace\n"
        "def die(*a): os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.replace = die\n"
        f"j.write_atomic({str(target)!r}, 'new')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == -signal.SIGKILL
    leftovers = [p for p in tmp_path.iterdir() if p.name != "results.json"]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".results.json.")
    write_atomic(target, "newer")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
    assert target.read_text() == "newer"


def test_an_interrupted_atomic_write_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "samples.jsonl"
    target.write_text("old")

    def interrupted(*_args):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["samples.jsonl"] and target.read_text() == "old"


@pytest.mark.parametrize("edit, message", [
    (lambda r: r.update(config="oops"), "field 'config' must be an object, got str"),
    (lambda r: r.update(metrics={"accuracy": 3}), "metrics.accuracy must be an object, got int"),
    (lambda r: r["config"].update(seed="zero"), "field 'config.seed' must be a whole number, got str"),
    (lambda r: r.pop("task"), "field 'task' is missing"),
    (lambda r: r["dataset"].update(n="2"), "field 'dataset.n' must be a whole number, got str"),
])
def test_malformed_results_fields_are_named_by_rescore_and_compare(tmp_path, capsys, edit, message):
    run = write_run_dir(tmp_path / "run", "sentiment", [("1", "positive", "positive"), ("2", "negative", "positive")])
    good = write_run_dir(tmp_path / "good", "sentiment", [("1", "positive", "positive"), ("2", "negative", "positive")])
    record = json.loads((run / "results.json").read_text())
    edit(record)
    (run / "results.json").write_text(json.dumps(record))
    for argv in (["rescore", str(run)], ["compare", str(good), str(run)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"{run / 'results.json'}: {message}" in err and "internal error" not in err


def test_malformed_sample_rows_are_named_with_their_line(tmp_path, capsys):
    run = write_run_dir(tmp_path / "run", "sentiment", [("1", "positive", "positive"), ("2", "negative", "positive")])
    lines = (run / "samples.jsonl").read_text().splitlines()
    row = json.loads(lines[1])
    row["prediction"] = "positive"
    (run / "samples.jsonl").write_text(lines[0] + "\n" + json.dumps(row) + "\n")
    assert main(["rescore", str(run)]) == 2
    assert f"{run / 'samples.jsonl'}:2: field 'prediction' must be an object or null, got str" in capsys.readouterr().err
    (run / "samples.jsonl").write_bytes(lines[0].encode() + b"\n" + b'{"id": "2", "input": {"text": "\xff"}}\n')
    assert main(["rescore", str(run)]) == 2
    assert f"{run / 'samples.jsonl'}:2: not UTF-8 text" in capsys.readouterr().err
