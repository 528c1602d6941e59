"""Commands writing one run directory take turns: results.json and samples.jsonl always describe one run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from nlpsuite.evaluation.dataset import ids_sha256
from nlpsuite.evaluation.run_lock import run_dir_lock
from tests.eval_plugin import write_keyword_model

REPO = Path(__file__).resolve().parents[1]
SCRIPT = """
import sys
sys.path.insert(0, {repo!r})
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin
from nlpsuite.cli.app import main
with fresh_registry([('evaltest', EvalTestPlugin())]):
    sys.exit(main({argv!r}))
"""


def command(tmp_path: Path, *argv: str) -> subprocess.Popen:
    env = {**os.environ, "NLPSUITE_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    code = SCRIPT.format(repo=str(REPO), argv=list(argv))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def dataset(path: Path, n: int, prefix: str) -> Path:
    path.write_text("".join(json.dumps({"id": f"{prefix}{i}", "text": "a good film" if i % 2 else "a dull film",
                                        "label": "positive" if i % 2 else "negative"}) + "\n" for i in range(n)),
                    encoding="utf-8")
    return path


def consistent(run: Path) -> None:
    results = json.loads((run / "results.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert results["dataset"]["n"] == len(rows)
    assert results["dataset"]["ids_sha256"] == ids_sha256(r["id"] for r in rows)


def test_racing_eval_and_rescore_on_one_directory_leave_one_run(tmp_path):
    model = write_keyword_model(tmp_path / "model")
    small, large = dataset(tmp_path / "small.jsonl", 3000, "s"), dataset(tmp_path / "large.jsonl", 6000, "l")
    run = tmp_path / "run"
    base = ["--task", "kwlabel", "--model", str(model), "--quiet", "--bootstrap", "50", "-o", str(run)]
    first = command(tmp_path, "eval", "--dataset", str(small), *base)
    assert first.wait(300) == 0, first.stderr.read()
    for round_number in range(2):
        data = large if round_number % 2 == 0 else small
        # rescores started one after another while the eval runs, so some overlap its write phase
        racers = [command(tmp_path, "eval", "--dataset", str(data), *base)]
        while racers[0].poll() is None and len(racers) < 12:
            racers.append(command(tmp_path, "rescore", str(run)))
            time.sleep(0.4)
        outcomes = [(p.wait(300), p.stderr.read()) for p in racers]
        assert all(code == 0 for code, _ in outcomes), outcomes
        assert all("Traceback" not in err for _, err in outcomes)
        consistent(run)
        assert json.loads((run / "results.json").read_text())["dataset"]["name"] == data.name


def test_a_command_waits_for_the_writer_and_says_so(tmp_path):
    model = write_keyword_model(tmp_path / "model")
    run = tmp_path / "run"
    first = command(tmp_path, "eval", "--dataset", str(dataset(tmp_path / "d.jsonl", 20, "d")), "--task", "kwlabel",
                    "--model", str(model), "--quiet", "--bootstrap", "10", "-o", str(run))
    assert first.wait(300) == 0, first.stderr.read()
    released = threading.Event()

    def hold() -> None:
        with run_dir_lock(run, "test-holder"):
            time.sleep(2.0)
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.3)
    rescore = command(tmp_path, "rescore", str(run))
    code, err = rescore.wait(120), rescore.stderr.read()
    holder.join()
    assert code == 0 and released.is_set(), err
    assert "waiting for `nlpsuite test-holder`" in err and str(run) in err
    consistent(run)
