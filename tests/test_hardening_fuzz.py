"""Generated bad inputs through the CLI: every outcome is a clear error (exit 2), flagged per-sample errors,
or a success whose numbers are right — never a traceback, an internal error, or exit 0 with a wrong number.

The task is the torch-free ``kwlabel`` of tests/eval_plugin.py, whose keyword "model" labels every base
record correctly: so a successful run must score exactly the share of samples that did not fail.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from nlpsuite.cli.app import main
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model
from tests.eval_run_dirs import write_run_dir

SEED = 20240917
BASE = [{"id": f"r{i}", "text": text, "label": label} for i, (text, label) in enumerate([
    ("a good film", "positive"), ("a dull film", "negative"), ("loved it", "positive"),
    ("so slow", "negative"), ("great fun", "positive"), ("café noir, meh", "negative"),
])]
WRONG_VALUES = [42, 3.5, True, None, [], ["a"], {"x": 1}, "", " "]


def _jsonl(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def _csv(records, delimiter=",") -> bytes:
    lines = [delimiter.join(("text", "label"))] + [delimiter.join((r["text"].replace(",", ""), r["label"])) for r in records]
    return ("\n".join(lines) + "\n").encode()


def generated_files() -> list[tuple[str, str, bytes]]:
    """(case name, file suffix, content): malformed encodings, wrong shapes and types, truncations, BOMs."""
    rng = random.Random(SEED)
    good = {".jsonl": _jsonl(BASE), ".csv": _csv(BASE), ".tsv": _csv(BASE, "\t")}
    cases = [(f"good{suffix}", suffix, content) for suffix, content in good.items()]
    for suffix, content in good.items():
        cases.append((f"utf8-bom{suffix}", suffix, b"\xef\xbb\xbf" + content))
        cases.append((f"utf16-bom{suffix}", suffix, content.decode().encode("utf-16")))
        cases.append((f"utf16-no-bom{suffix}", suffix, content.decode().encode("utf-16-le")))
        cases.append((f"latin1{suffix}", suffix, content.decode().encode("latin-1")))
        cases.append((f"empty{suffix}", suffix, b""))
        cases.append((f"blank{suffix}", suffix, b"\n \n\t\n"))
        cases.append((f"nul-bytes{suffix}", suffix, content.replace(b"a", b"\x00", 2)))
        for k in range(3):
            cut = rng.randrange(1, len(content))
            cases.append((f"truncated@{cut}{suffix}", suffix, content[:cut]))
        for k in range(2):
            at = rng.randrange(len(content))
            cases.append((f"bad-byte@{at}{suffix}", suffix, content[:at] + bytes([rng.choice([0x80, 0xC3, 0xFF, 0xE9])]) + content[at:]))
    for k in range(8):
        records = [dict(r) for r in BASE]
        victim = rng.randrange(len(records))
        field = rng.choice(["text", "label", "id"])
        records[victim][field] = rng.choice(WRONG_VALUES)
        cases.append((f"wrong-type-{field}-{k}.jsonl", ".jsonl", _jsonl(records)))
    for k, shape in enumerate(["[1, 2]", "\"text\"", "3", "null", "{", "{\"text\": \"a\"}", "{\"label\": \"positive\"}"]):
        lines = _jsonl(BASE).decode().splitlines()
        lines.insert(rng.randrange(len(lines) + 1), shape)
        cases.append((f"shape-{k}.jsonl", ".jsonl", ("\n".join(lines) + "\n").encode()))
    cases.append(("csv-unclosed-quote.csv", ".csv", b'text,label\n"good,positive\nbad,negative\n'))
    cases.append(("csv-extra-field.csv", ".csv", b"text,label\ngood,positive,extra\n"))
    cases.append(("csv-header-only.csv", ".csv", b"text,label\n"))
    cases.append(("csv-no-label-column.csv", ".csv", b"text,sentiment\ngood,positive\n"))
    cases.append(("duplicate-ids.jsonl", ".jsonl", _jsonl([BASE[0], BASE[0]])))
    # a key twice in one object, and a dotted name held as a key beside nested objects: two readings each
    lines = _jsonl(BASE).decode().splitlines()
    lines[rng.randrange(len(lines))] = '{"id": "dup", "text": "a good film", "text": "a dull film", "label": "positive"}'
    cases.append(("duplicate-key.jsonl", ".jsonl", ("\n".join(lines) + "\n").encode()))
    cases.append(("number-and-text-ids.jsonl", ".jsonl", _jsonl([{**BASE[0], "id": 1}, {**BASE[1], "id": "1"}])))
    return cases


CASES = generated_files()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    os.environ["NLPSUITE_CACHE_DIR"] = str(root / "cache")  # the conftest's private cache, made private per module
    return root, write_keyword_model(root / "model")


@pytest.fixture
def kwlabel():
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        yield


def assert_outcome(code: int, out: str, err: str, run_dir: Path | None) -> str:
    """The outcome class, after checking it is one of the allowed ones."""
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert err.startswith("nlpsuite: error: ") and "\n  hint: " in err, err
        return "clear error"
    assert run_dir is not None and (run_dir / "results.json").is_file(), (code, err)
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    failed = sum(r["error"] is not None for r in rows)
    if code == 4:
        assert results["status"] == "all samples failed" and failed == len(rows), err
        assert "every sample failed" in err
        return "all samples flagged"
    # the one exit-status rule: 3 when some samples failed, 0 when none did
    assert code == (3 if failed else 0), (code, failed, err)
    assert all(r["prediction"] is None and r["error"] for r in rows if r["error"] is not None)
    # recomputed here from the stored rows and the recorded label mapping: for unmutated records every
    # prediction is right, so this is 1 - failed/n unless a case changed a reference
    mapping = (results.get("labels") or {}).get("label", {}).get("mapping", {})
    right = sum(r["error"] is None and r["prediction"]["label"] == mapping.get(str(r["references"]), str(r["references"]))
                for r in rows)
    assert results["metrics"]["accuracy"]["value"] == pytest.approx(right / len(rows)), (out, err)
    if not any(isinstance(r["references"], (int, float)) or not str(r["references"]).strip() for r in rows):
        assert right == len(rows) - failed
    return "flagged per-sample errors" if failed else "success"


@pytest.mark.parametrize("name, suffix, content", CASES, ids=[c[0] for c in CASES])
def test_generated_dataset_files(workspace, kwlabel, capsys, name, suffix, content):
    root, model = workspace
    data = root / f"{name}{'' if name.endswith(suffix) else suffix}"
    data.write_bytes(content)
    run_dir = root / "runs" / name
    code = main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--quiet",
                 "--bootstrap", "10", "-o", str(run_dir)])
    captured = capsys.readouterr()
    outcome = assert_outcome(code, captured.out, captured.err, run_dir)
    if name.startswith(("good", "utf8-bom", "utf16-bom")):
        assert outcome == "success", captured.err
    if name.startswith(("latin1", "bad-byte@")) and outcome == "clear error" and "UTF-8" in captured.err:
        assert f"{data}:" in captured.err  # the line is named


@pytest.mark.parametrize("name, suffix, content", [c for c in CASES if c[1] == ".jsonl"],
                         ids=[c[0] for c in CASES if c[1] == ".jsonl"])
def test_generated_input_files_given_to_run(workspace, kwlabel, capsys, name, suffix, content):
    root, model = workspace
    data = root / f"run-{name}"
    data.write_bytes(content)
    code = main(["run", "--task", "kwlabel", "--model", str(model), "--input", str(data), "--quiet"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err
    if code == 2:  # refused before the model loaded, saying where
        assert captured.err.startswith("nlpsuite: error: ") and "\n  hint: " in captured.err, captured.err
        return
    rows = [json.loads(line) for line in captured.out.splitlines()]
    failed = sum(r["error"] is not None for r in rows)
    assert rows and code == (0 if not failed else 4 if failed == len(rows) else 3), (code, failed, captured.err)


HOSTILE_IDS = ["r~0", "a:b->c", "r0~gender:male->female", '["~", "r0", "gender", "male->female"]', "line\nbreak",
               "tab\there", "nul\u0000", "emoji 😀", "\u202eRTL", "../../etc/passwd", "x" * 5000, "  spaced  ",
               "é", "e\u0301", "0", "-1", "null", "{}"]


def _hostile_id_sets() -> list[list[str]]:
    rng = random.Random(SEED + 2)
    sets = [HOSTILE_IDS[i:i + 4] for i in range(0, len(HOSTILE_IDS), 4)]
    for _ in range(4):
        sets.append(rng.sample(HOSTILE_IDS, 4))
    return sets


@pytest.mark.parametrize("ids", _hostile_id_sets(), ids=lambda ids: ascii(ids)[:40])
def test_any_ids_are_kept_exactly_through_eval_and_audit(workspace, kwlabel, capsys, ids):
    root, model = workspace
    texts = ["he is good", "she is dull", "he loved it", "his film was slow"]
    rows = [{"id": i, "text": t, "label": "positive" if ("good" in t or "loved" in t) else "negative"}
            for i, t in zip(ids, texts)]
    data = root / f"ids-{abs(hash(tuple(ids)))}.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    run_dir, audit_dir = root / "runs" / data.stem, root / "audits" / data.stem
    code = main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--quiet",
                 "--bootstrap", "10", "-o", str(run_dir)])
    assert code == 0, capsys.readouterr().err
    stored = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in stored] == [r["id"] for r in rows]
    code = main(["audit", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--quiet",
                 "--perturbations", "gender", "--bootstrap", "0", "--embedding-model", "none", "-o", str(audit_dir)])
    assert code == 0, capsys.readouterr().err
    pairs = [json.loads(line) for line in (audit_dir / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert pairs and {p["original_id"] for p in pairs} <= set(ids)
    variant_ids = [p["variant_id"] for p in pairs]
    assert len(set(variant_ids)) == len(variant_ids) and set(ids).isdisjoint(variant_ids)
    keywords = {"good", "loved", "great"}
    for pair in pairs:  # each side answered for its own text, never for another sample of the same name
        for side in ("original", "variant"):
            hit = bool(keywords & set(pair[f"{side}_input"]["text"].split()))
            assert pair[f"{side}_output"]["label"] == ("positive" if hit else "negative")


@pytest.mark.parametrize("kind", ["directory", "fifo", "missing", "dangling-symlink"])
def test_paths_that_are_not_files(workspace, kwlabel, capsys, kind):
    root, model = workspace
    path = root / f"not-a-file-{kind}.jsonl"
    if kind == "directory":
        path.mkdir(exist_ok=True)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dangling-symlink":
        path.symlink_to(root / "nowhere.jsonl")
    code = main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(path), "--quiet"])
    captured = capsys.readouterr()
    assert assert_outcome(code, captured.out, captured.err, None) == "clear error"
    assert str(path) in captured.err


def _run_dir_cases() -> list[tuple[str, str, int]]:
    rng = random.Random(SEED + 1)
    return [(name, kind, rng.randrange(1, 2000)) for name, kind in
            [("results-truncated", "results"), ("results-truncated-2", "results"), ("samples-truncated", "samples"),
             ("results-types", "types"), ("results-types-2", "types"), ("results-types-3", "types"),
             ("samples-types", "sample-types"), ("samples-types-2", "sample-types"), ("results-bom", "bom")]]


@pytest.mark.parametrize("name, kind, number", _run_dir_cases(), ids=[c[0] for c in _run_dir_cases()])
def test_damaged_run_directories_given_to_rescore_and_compare(tmp_path, capsys, name, kind, number):
    rows = [("1", "positive", "positive"), ("2", "negative", "positive"), ("3", "negative", "negative")]
    run = write_run_dir(tmp_path / "run", "sentiment", rows)
    baseline = write_run_dir(tmp_path / "baseline", "sentiment", rows)
    rng = random.Random(number)
    results_path, samples_path = run / "results.json", run / "samples.jsonl"
    if kind in ("results", "samples"):
        path = results_path if kind == "results" else samples_path
        data = path.read_bytes()
        path.write_bytes(data[: number % len(data)])
    elif kind == "types":
        record = json.loads(results_path.read_text())
        section = rng.choice(["dataset", "config", "metrics", "model", "task"])
        record[section] = rng.choice([17, "text", ["a"], None, {"n": "x", "seed": [], "metric_args": 3}])
        results_path.write_text(json.dumps(record))
    elif kind == "sample-types":
        lines = samples_path.read_text().splitlines()
        row = json.loads(lines[1])
        row[rng.choice(["id", "prediction", "input", "error", "scores"])] = rng.choice([17, "text", ["a"], {"label": []}])
        lines[1] = json.dumps(row)
        samples_path.write_text("\n".join(lines) + "\n")
    else:
        results_path.write_bytes(b"\xef\xbb\xbf" + results_path.read_bytes())
    for argv in (["rescore", str(run)], ["compare", str(baseline), str(run)]):
        code = main(argv)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err
        assert code in (0, 2), (argv, code, captured.err)
        if code == 2:
            assert captured.err.startswith("nlpsuite: error: ") and "hint:" in captured.err
        elif argv[0] == "rescore":
            accuracy = json.loads(results_path.read_text(encoding="utf-8-sig"))["metrics"]["accuracy"]["value"]
            assert accuracy == pytest.approx(2 / 3)  # what these predictions are worth, whatever was damaged
