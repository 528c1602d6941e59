"""Ray as an operator meets it: an address that does not answer fails in bounded time naming it, a
--num-workers the cluster cannot hold is capped with a warning and recorded, Ray Client's need is named.

Every address here is on loopback (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 keeps Ray from swapping
127.0.0.1 for the machine's own address).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'nlpsuite[ray]'")
pytest.importorskip("pyarrow")

from nlpsuite.evaluation.engines import EngineSettings, open_engine  # noqa: E402
from nlpsuite.evaluation.runner import EvalRequest, run_eval  # noqa: E402
from nlpsuite.specs import TaskOptions  # noqa: E402
from nlpsuite.testing import fresh_registry  # noqa: E402
from tests.eval_plugin import EvalTestPlugin, write_keyword_model  # noqa: E402

pytestmark = [pytest.mark.ray]

RAY_CLI = Path(__file__).resolve().parent / "ray_cli.py"


def eval_on(tmp_path: Path, address: str, timeout_s: str) -> tuple[subprocess.CompletedProcess, float]:
    model = write_keyword_model(tmp_path / "model")
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": "1", "text": "good", "label": "positive"}\n', encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NLPSUITE_CACHE_DIR": str(tmp_path / "cache"),
           "NLPSUITE_RAY_CONNECT_TIMEOUT": timeout_s, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
           "RAY_USAGE_STATS_ENABLED": "0"}
    began = time.monotonic()
    done = subprocess.run([sys.executable, str(RAY_CLI), "eval", "--task", "kwlabel", "--model", str(model),
                           "--dataset", str(data), "--quiet", "--engine", "ray", "--ray-address", address,
                           "-o", str(tmp_path / "run")], capture_output=True, text=True, env=env, timeout=120)
    return done, time.monotonic() - began


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_address_where_nothing_listens_fails_at_once_naming_it(tmp_path):
    address = f"127.0.0.1:{closed_port()}"
    done, seconds = eval_on(tmp_path, address, "5")
    assert done.returncode == 2, done.stderr
    assert f"cannot join the Ray cluster at --ray-address {address!r}" in done.stderr
    assert "Traceback" not in done.stderr and seconds < 60


def test_an_address_that_accepts_but_is_no_ray_fails_within_the_bound(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:  # accepts and never answers: what a wrong service or a dead proxy looks like
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        done, seconds = eval_on(tmp_path, address, "2")
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
    assert done.returncode == 2, done.stderr
    assert "accepts connections but no Ray cluster answered within 4 s" in done.stderr and address in done.stderr
    assert seconds < 60  # it waited for good before


def test_a_ray_client_address_without_grpc_names_the_extra(tmp_path, monkeypatch):
    import importlib.util

    from nlpsuite.errors import UsageError
    from nlpsuite.evaluation.engines.ray_address import check_reachable

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "grpc" else real(name, *a))
    with pytest.raises(UsageError) as refused:
        check_reachable("ray://127.0.0.1:10001")
    assert "Ray Client needs grpcio" in refused.value.message and "nlpsuite[ray]" in refused.value.hint


@pytest.mark.slow
def test_more_workers_than_the_cluster_holds_are_capped_with_a_warning_and_recorded(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))
    model = write_keyword_model(tmp_path / "model")
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"id": str(i), "text": "good" if i % 2 else "dull",
                                        "label": "positive" if i % 2 else "negative"}) + "\n" for i in range(12)),
                    encoding="utf-8")
    local = open_engine(EngineSettings(name="ray", num_workers=2))  # a private local Ray of 2 CPUs
    local.connect()
    try:
        wide = open_engine(EngineSettings(name="ray", num_workers=8))  # joins the Ray this process holds
        with fresh_registry([("evaltest", EvalTestPlugin())]):
            outcome = run_eval(EvalRequest(task="kwlabel", model=str(model), dataset=str(data), use_cache=False,
                                           output_dir=tmp_path / "run", n_bootstrap=10,
                                           options=TaskOptions(quiet=True, batch_size=2)),
                               notify=lambda _m: None, engine=wide)
    finally:
        local.close()
    err = capsys.readouterr().err
    assert "--num-workers 8 does not fit the Ray cluster" in err and "running 2" in err
    engine = outcome.results["runtime"]["engine"]
    assert engine["num_workers"] == 2 and engine["num_workers_requested"] == 8
    assert outcome.results["metrics"]["accuracy"]["value"] == 1.0
