"""A third-party-style plugin for the harness tests: two tasks that need no torch.

* ``kwlabel``: labels a text ``positive`` when it holds a word from the model's
  ``keywords.txt`` (a "model directory" the test writes; rewriting the file is
  retraining it).  ``--gen-kwargs marker=WORD`` adds a word, standing in for a
  generation setting that changes predictions.
* ``copyedit``: "translates" by lower-casing the source; scored with BLEU/chrF.

``EVAL_TEST_DELAY_S`` makes each batch sleep, so a test can kill a run mid-predict.
``EVAL_TEST_CALLS`` names a file that gets one line per predicted sample.
``EVAL_TEST_PIDS`` names a file that gets the process id of each batch as it starts
(a Ray test kills a worker mid-batch with it).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from nlpsuite import DatasetSpec, FieldSpec, TaskOptions, TaskSpec, argument, hookimpl
from nlpsuite.models.reference import ModelRequest

SAMPLE_RECORDS = [
    {"id": "s1", "text": "a good film", "label": "positive"},
    {"id": "s2", "text": "a dull film", "label": "negative"},
    {"id": "s3", "text": "good acting, good story", "label": "positive"},
    {"id": "s4", "text": "I loved it", "label": "positive"},
]


def _note_calls(texts: list[str]) -> None:
    calls = os.environ.get("EVAL_TEST_CALLS")
    if calls:
        with open(calls, "a", encoding="utf-8") as handle:
            handle.writelines(t.replace("\n", " ") + "\n" for t in texts)


class KeywordPredictor:
    batch_size = 4

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.words = set(Path(request.source, "keywords.txt").read_text(encoding="utf-8").split())
        self.marker = options.generation.get("marker")
        if self.marker:
            self.words.add(str(self.marker))

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pids = os.environ.get("EVAL_TEST_PIDS")
        if pids:
            with open(pids, "a", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()}\n")
        time.sleep(float(os.environ.get("EVAL_TEST_DELAY_S", "0")))
        _note_calls([r["text"] for r in records])
        outputs = []
        for record in records:
            hit = bool(self.words & set(record["text"].lower().replace(",", " ").split()))
            outputs.append({"label": "positive" if hit else "negative", "score": 1.0 if hit else 0.0})
        return outputs

    def config(self) -> dict[str, Any]:
        return {"marker": self.marker, "n_keywords": len(self.words)}


class CopyPredictor:
    batch_size = 8

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _note_calls([r["source"] for r in records])
        return [{"translation": r["source"].lower()} for r in records]

    def config(self) -> dict[str, Any]:
        return {"num_beams": 1}


class EvalTestPlugin:
    @hookimpl
    def register_tasks(self) -> list[TaskSpec]:
        return [
            TaskSpec(
                name="kwlabel",
                description="label text positive when it holds a keyword",
                input_fields=[FieldSpec("text")],
                output_fields=[FieldSpec("label", "label"), FieldSpec("score", "number")],
                build=KeywordPredictor,
                reference_field="label",
                metrics=("accuracy", "macro_f1"),
                no_fallback_hint="pass --model DIR holding keywords.txt",
                generation_settings=[argument("marker", "text", "a setting that changes nothing but the cache key")],
            ),
            TaskSpec(
                name="copyedit",
                description="lower-case the source",
                input_fields=[FieldSpec("source"), FieldSpec("src_lang", required=False)],
                output_fields=[FieldSpec("translation")],
                build=lambda request, options: CopyPredictor(),
                reference_field="target",
                metrics=("bleu", "chrf"),
            ),
        ]

    @hookimpl
    def register_datasets(self) -> list[DatasetSpec]:
        return [
            DatasetSpec(name="kwlabel-sample", task="kwlabel", description="four reviews",
                        load=lambda: iter(SAMPLE_RECORDS), version="1"),
        ]


def write_keyword_model(directory: Path, words: str = "good loved great") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "keywords.txt").write_text(words + "\n", encoding="utf-8")
    return directory
