"""Caches keyed on what a model holds, not on how its files look; converted files verified before use."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from nlpsuite.cli.app import main
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))


def rewrite_in_place(path: Path, text: str) -> None:
    """New content of the same size in the same inode, with the old modification time put back."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    with path.open("r+b") as handle:
        handle.write(text.encode())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)


def test_a_model_rewritten_in_place_is_never_answered_from_old_predictions(tmp_path, capsys):
    model = write_keyword_model(tmp_path / "model", "good loved great")
    data = tmp_path / "reviews.jsonl"
    data.write_text('{"id": "a", "text": "a good film", "label": "positive"}\n'
                    '{"id": "b", "text": "a grand film", "label": "positive"}\n', encoding="utf-8")

    def evaluate(run: str) -> dict:
        code = main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--quiet",
                     "--bootstrap", "10", "-o", str(tmp_path / run)])
        assert code == 0, capsys.readouterr().err
        return json.loads((tmp_path / run / "results.json").read_text(encoding="utf-8"))

    with fresh_registry([("evaltest", EvalTestPlugin())]):
        first = evaluate("first")
        assert first["metrics"]["accuracy"]["value"] == 0.5
        assert evaluate("again")["runtime"]["cached_samples"] == 2  # the cache works
        rewrite_in_place(model / "keywords.txt", "film liked grand\n")
        changed = evaluate("changed")
    assert changed["runtime"]["cached_samples"] == 0 and changed["runtime"]["predicted_samples"] == 2
    assert changed["metrics"]["accuracy"]["value"] == 1.0  # the new keywords, not the old predictions


def test_the_content_digest_follows_config_edits_and_skips_only_unchanged_files(tmp_path, monkeypatch):
    from nlpsuite.models import content_hash

    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"w" * 4096)
    (model / "config.json").write_text('{"layer_norm_eps": 1e-12}', encoding="utf-8")
    first = content_hash.directory_sha256(model)
    hashed: list[Path] = []
    monkeypatch.setattr(content_hash, "full_sha256", lambda p, _real=content_hash.full_sha256: hashed.append(p) or _real(p))
    assert content_hash.directory_sha256(model) == first and hashed == []  # recorded: nothing read in full
    rewrite_in_place(model / "config.json", '{"layer_norm_eps": 1e-05}')
    assert content_hash.directory_sha256(model) != first
    assert [p.name for p in hashed] == ["config.json"]  # the weights' record still holds


def _convert_slowly(target: str, started: Path) -> None:
    import time

    started.touch()
    with open(target, "wb") as out:
        for _ in range(20):
            out.write(b"x" * 50_000)
            out.flush()
            time.sleep(0.01)


def _race(cache: str, barrier, results, index: int) -> None:
    os.environ["NLPSUITE_CACHE_DIR"] = cache
    from nlpsuite.models.conversion_cache import converted_file

    barrier.wait()
    path, made = converted_file("model.onnx", lambda tmp: _convert_slowly(str(tmp), Path(cache) / f"started-{index}"))
    results[index] = (str(path), made, path.stat().st_size)


def test_concurrent_first_conversions_all_succeed_with_one_whole_file(tmp_path):
    cache = str(tmp_path / "cache")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    results = context.Manager().dict()
    workers = [context.Process(target=_race, args=(cache, barrier, results, i)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    paths = {results[i][0] for i in range(4)}
    assert len(paths) == 1 and all(results[i][2] == 1_000_000 for i in range(4))
    assert sum(results[i][1] for i in range(4)) >= 1  # each converted or found the published one
    converted = tmp_path / "cache" / "converted"
    assert [p.name for p in converted.iterdir()] == ["model.onnx"]  # no partial left behind


@pytest.mark.parametrize("damage", ["truncate", "flip", "manifest", "delete"])
def test_a_damaged_conversion_is_rebuilt_with_a_notice(tmp_path, damage):
    from nlpsuite.models.conversion_cache import converted_file

    notices: list[str] = []
    calls: list[int] = []

    def convert(target: Path) -> None:
        calls.append(1)
        target.write_bytes(b"onnx" * 1000)

    path, made = converted_file("m.onnx", convert, notify=notices.append)
    assert made and path.read_bytes() == b"onnx" * 1000 and notices == []
    if damage == "truncate":
        path.write_bytes(b"onnx" * 10)
    elif damage == "flip":
        rewrite_in_place(path, "xnnx" + "onnx" * 999)
    elif damage == "manifest":
        (path.parent / "manifest.json").write_text("{not json", encoding="utf-8")
    else:
        path.unlink()
    again, made_again = converted_file("m.onnx", convert, notify=notices.append)
    assert again == path and made_again and len(calls) == 2
    assert again.read_bytes() == b"onnx" * 1000
    assert len(notices) == 1 and "unusable" in notices[0] and "converting it again" in notices[0]
    assert converted_file("m.onnx", convert, notify=notices.append) == (path, False) and len(notices) == 1


def test_a_failed_conversion_leaves_nothing_and_a_killed_ones_partial_is_swept(tmp_path):
    from nlpsuite.models import conversion_cache

    def broken(target: Path) -> None:
        target.write_bytes(b"half")
        raise RuntimeError("converter crashed")

    with pytest.raises(RuntimeError):
        conversion_cache.converted_file("m.onnx", broken)
    root = tmp_path / "cache" / "converted"
    assert list(root.iterdir()) == []
    dead = root / f"{conversion_cache._partial_prefix('m.onnx').replace(str(os.getpid()), '999999999')}x.partial"
    dead.mkdir()
    conversion_cache.converted_file("m.onnx", lambda target: target.write_bytes(b"whole"))
    assert sorted(p.name for p in root.iterdir()) == ["m.onnx"]


@pytest.mark.slow
def test_a_truncated_onnx_conversion_is_rebuilt_through_the_cli(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NLPSUITE_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-m", "nlpsuite", "run", "--task", "classification", "--runtime", "onnx",
            "--arg", "labels=sports,politics", "--offline", "The striker scored twice."]
    first = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    [onnx_file] = (tmp_path / "cache" / "converted").glob("*/*.onnx")
    with onnx_file.open("r+b") as handle:
        handle.truncate(onnx_file.stat().st_size // 2)
    again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "unusable" in again.stderr and "converting it again" in again.stderr and "Traceback" not in again.stderr
    assert json.loads(again.stdout)["prediction"] == json.loads(first.stdout)["prediction"]


def test_an_unwritable_conversion_cache_converts_for_the_process_with_a_notice(tmp_path, monkeypatch):
    from nlpsuite.models.conversion_cache import converted_file

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory should be", encoding="utf-8")
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(blocked))
    notices: list[str] = []
    path, made = converted_file("m.onnx", lambda target: target.write_bytes(b"whole"), notify=notices.append)
    assert made and path.read_bytes() == b"whole" and not str(path).startswith(str(blocked))
    assert len(notices) == 1 and f"cannot write the conversion cache {blocked}" in notices[0]
    assert converted_file("m.onnx", lambda target: target.write_bytes(b"again"), notify=notices.append)[0] == path


def test_an_unreadable_model_file_is_named_in_a_clear_error_through_the_cli(tmp_path, monkeypatch, capsys):
    import shutil

    from nlpsuite.models import content_hash
    from nlpsuite.plugins.embedded import minilm_path

    model = tmp_path / "encoder"
    shutil.copytree(minilm_path(), model)
    real = content_hash.full_sha256

    def unreadable(path):  # root reads every file whatever its mode: the refusal is played here
        if Path(path).name == "model.safetensors":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(content_hash, "full_sha256", unreadable)
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))  # no hash record to answer from
    code = main(["run", "--task", "classification", "--model", str(model), "--offline", "-q",
                 "--arg", "labels=a,b", "some text"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot read the model file" in err and "model.safetensors" in err and "Permission denied" in err
    assert "internal error" not in err
