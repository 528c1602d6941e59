"""Write run directories (results.json + samples.jsonl) in the harness's format, for report and compare tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from nlpsuite.evaluation.scoring import score_samples
from nlpsuite.specs import FieldSpec, TaskSpec

TASK_FIELDS = {
    "translation": ("source", "translation", "text", ("bleu", "chrf", "ter")),
    "summarization": ("text", "summary", "text", ("rouge1", "rouge2", "rougeL", "rougeLsum")),
    "sentiment": ("text", "label", "label", ("accuracy", "macro_f1")),
}


def task_spec(task: str) -> TaskSpec:
    """A TaskSpec with the built-in task's field contract (its model is never built here)."""
    input_field, output_field, output_type, metrics = TASK_FIELDS[task]

    def no_model(request: Any, options: Any) -> Any:
        raise AssertionError("scoring must not build a model")

    return TaskSpec(
        name=task, description=f"test {task}", input_fields=[FieldSpec(input_field)],
        output_fields=[FieldSpec(output_field, output_type)], build=no_model, metrics=metrics,
        reference_field=output_field,
    )


def write_run_dir(
    directory: Path,
    task: str,
    rows: list[tuple[str, Any, Any]],
    *,
    inputs: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    model: str = "tiny-model",
    limit: int | None = None,
    metric_args: dict[str, dict[str, Any]] | None = None,
    fallback_notice: str | None = None,
) -> Path:
    """``rows`` are (id, reference, predicted value); ``errors`` marks samples as failed (no prediction)."""
    input_field, output_field, _, _ = TASK_FIELDS[task]
    errors = errors or {}
    samples = []
    for sample_id, reference, predicted in rows:
        failed = sample_id in errors
        samples.append({
            "id": sample_id,
            "input": {input_field: (inputs or {}).get(sample_id, f"input of {sample_id}")},
            "references": reference,
            "prediction": None if failed else {output_field: predicted},
            "error": errors.get(sample_id),
        })
    scored = score_samples(task_spec(task), samples, metric_args=metric_args, seed=0, n_bootstrap=200)
    for index, sample in enumerate(samples):
        sample["scores"] = scored.scores_of(index)
    ids = sorted(s["id"] for s in samples)
    results = {
        "schema_version": 1,
        "task": task,
        "dataset": {"name": f"{task}-test", "source": "test", "n": len(samples),
                    "ids_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(), "version": "1",
                    "columns": {}},
        "model": {"name": model, "source": "local", "kind": "other", "revision": None, "requested": model,
                  "fallback": fallback_notice is not None, "notice": fallback_notice, "device": "cpu", "dtype": "float32"},
        "config": {"task": {}, "batch_size": 8, "gen_kwargs": {}, "task_args": {}, "metric_args": metric_args or {},
                   "seed": 0, "limit": limit},
        "metrics": scored.metrics,
        "runtime": {"wall_s": 1.25, "predict_s": 1.0, "samples_per_s": len(samples) / 1.0, "batch_size": 8,
                    "n_batches": 1, "cached_samples": 0, "device": "cpu"},
        "reproducibility": {"nlpsuite_version": "0.1.0", "git_commit": "0" * 40, "packages": {"sacrebleu": "2.6.0"},
                            "python": "3.11", "platform": "linux", "seed": 0, "device": "cpu",
                            "command": f"nlpsuite eval --task {task}"},
        "reportable": limit is None,
        "created": "2025-01-01T00:00:00+00:00",
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (directory / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples), encoding="utf-8")
    return directory
