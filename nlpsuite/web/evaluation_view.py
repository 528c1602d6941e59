"""The harness for the Evaluate tab: run :func:`~nlpsuite.evaluation.runner.run_eval` and read back its results.

Gradio-free.  The run uses the harness's prediction cache, so asking for the
same evaluation again answers from stored predictions.  An uploaded dataset is
read as data only (JSONL, CSV or TSV, through the harness's own loaders) and
refused above the server's size cap.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.registry import get_tasks
from nlpsuite.specs import TaskSpec
from nlpsuite.web.task_form import TaskRequest
from nlpsuite.web.task_runner import TaskRunner

UPLOAD_SUFFIXES = (".jsonl", ".csv", ".tsv")
_SVG = re.compile(r"<h2>(.*?)</h2>(?:(?!<h2>).)*?(<svg\b.*?</svg>)", re.S)


def readable_size(n_bytes: int) -> str:
    """``5 MB``, ``64 KB``: a size cap as a person reads it."""
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if n_bytes >= scale:
            value = n_bytes / scale
            return f"{value:.0f} {unit}" if value.is_integer() or value >= 10 else f"{value:.1f} {unit}"
    return f"{n_bytes} bytes"


def evaluable_tasks(names: tuple[str, ...] = ()) -> list[TaskSpec]:
    """Tasks with metrics (an evaluation of a task without any would have nothing to show), in tab order."""
    from nlpsuite.web.tab_order import ordered_tasks

    return ordered_tasks(s for s in get_tasks() if s.metrics and (not names or s.name in names))


@dataclass(frozen=True)
class EvalView:
    """What the Evaluate tab shows of one run."""

    summary: str
    metrics: list[list[Any]]
    plots: str
    files: list[str]
    results: dict[str, Any]


def check_upload(path: str | Path, max_bytes: int) -> Path:
    """An uploaded dataset's path, once it is a JSONL/CSV/TSV file within the size cap."""
    path = Path(path)
    if path.suffix.lower() not in UPLOAD_SUFFIXES:
        raise InputError(f"uploaded file {path.name!r} is not a dataset file",
                         hint="upload a .jsonl, .csv or .tsv file with the task's fields as columns")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"uploaded file {path.name!r} has {size:,} bytes; this server takes at most {max_bytes:,}",
                         hint="upload a smaller sample")
    return path


def _run_dir(runner: TaskRunner, spec: TaskSpec, dataset: str, model: str | None, limit: int | None,
             columns: Mapping[str, str] | None, label_map: Mapping[str, str] | None) -> Path:
    # one directory per (task, dataset content, model, limit, mappings): asking again lands in the same place
    identity = "|".join(str(p) for p in (spec.name, dataset, model, limit, sorted((columns or {}).items()),
                                         sorted((label_map or {}).items())))
    return Path(runner.settings.runs_dir) / f"{spec.name}-{hashlib.sha256(identity.encode()).hexdigest()[:12]}"


def chosen_dataset(spec: Any, upload: Any, max_upload_bytes: int) -> tuple[str, str]:
    """(dataset reference, identity for the cache) from an upload (checked, read as data only) or the task's sample."""
    from nlpsuite.models.integrity import file_sha256

    if upload is not None:
        path = check_upload(upload, max_upload_bytes)
        return str(path), f"upload:{file_sha256(path)}"
    if spec.sample_dataset:
        return spec.sample_dataset, spec.sample_dataset
    raise UsageError(f"task {spec.name!r} has no sample dataset", hint="upload a JSONL or CSV file")


def check_dataset_size(runner: TaskRunner, spec: Any, dataset: str, columns: Mapping[str, str] | None,
                       limit: int | None, offline: bool, what: str) -> None:
    """Read the dataset once (as data only) and refuse one over the server's ``max_eval_samples``,
    before any model loads; a bad file is refused here too."""
    from nlpsuite.evaluation.dataset import resolve_dataset

    samples = resolve_dataset(spec, dataset, columns=dict(columns or {}), offline=offline)
    n = min(len(samples.samples), limit or len(samples.samples))
    if n > runner.settings.max_eval_samples:
        raise UsageError(f"the dataset has {n:,} inputs; this server {what} at most {runner.settings.max_eval_samples:,}",
                         hint="give a limit, or upload a smaller file")


def run_evaluation(
    runner: TaskRunner,
    task: str,
    *,
    upload: str | Path | None = None,
    model: str | None = None,
    limit: int | None = None,
    columns: Mapping[str, str] | None = None,
    label_map: Mapping[str, str] | None = None,
) -> EvalView:
    """Evaluate ``task`` on its sample dataset (or ``upload``) with the Model choice ``model`` (``None``: the
    task default; refused unless the server offers it)."""
    from nlpsuite.evaluation.runner import EvalRequest, run_eval
    from nlpsuite.registry import get_task

    spec = get_task(task)
    if not spec.metrics:
        raise UsageError(f"task {task!r} declares no metrics, so there is nothing to evaluate",
                         hint="pick a task with metrics")
    chosen = runner.model_choice(spec, model)
    dataset, identity = chosen_dataset(spec, upload, runner.settings.max_upload_bytes)
    if limit is not None and limit < 1:
        raise UsageError(f"limit {limit} must be at least 1", hint="leave it empty to use every sample")
    check_dataset_size(runner, spec, dataset, columns, limit, runner.session.offline, "evaluates")
    request = EvalRequest(
        task=spec.name, model=chosen.reference, dataset=dataset, columns=dict(columns or {}), limit=limit,
        label_map=dict(label_map or {}), options=runner.settings.task_options(),
        output_dir=_run_dir(runner, spec, identity, model, limit, columns, label_map),
        command="nlpsuite demo (Evaluate tab)",
    )
    # the model is shared with the task's tab: hold it for the run, as a request does
    loaded = runner.loaded(spec, TaskRequest(record={}, model=model))
    with runner.using(loaded):
        outcome = run_eval(request, notify=lambda _message: None, session=runner.session)
    files = [str(outcome.run_dir / "results.json")]
    report = outcome.run_dir / "report.html"
    if report.is_file():
        files.append(str(report))
    return EvalView(
        summary=summary_markdown(outcome.results, outcome.report_error, model_name=loaded.model.name),
        metrics=metric_rows(outcome.results),
        plots=report_plots(report.read_text(encoding="utf-8")) if report.is_file() else "",
        files=files,
        results=outcome.results,
    )


def metric_rows(results: dict[str, Any]) -> list[list[Any]]:
    """(metric, value, CI low, CI high, better, n) per metric."""
    rows = []
    for name, metric in (results.get("metrics") or {}).items():
        ci = metric.get("ci") or {}
        rows.append([
            name, _round(metric.get("value")), _round(ci.get("low")), _round(ci.get("high")),
            "higher" if metric.get("higher_is_better", True) else "lower", metric.get("n"),
        ])
    return rows


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def summary_markdown(results: dict[str, Any], report_error: str | None = None, *, model_name: str | None = None) -> str:
    """The run in two lines; ``model_name`` is how the page names the model (a local one by its folder)."""
    dataset = results.get("dataset") or {}
    runtime = results.get("runtime") or {}
    model = results.get("model") or {}
    n = dataset.get("n", "?")
    cached = runtime.get("cached_samples", 0)
    lines = [
        f"**{html.escape(str(results.get('task')))}** on **{html.escape(str(dataset.get('name')))}**: {n} samples "
        f"in {runtime.get('wall_s', '?')} s; {cached} answered from the prediction cache, "
        f"{runtime.get('predicted_samples', 0)} predicted, {runtime.get('failed_samples', 0)} failed.",
        f"**Model used:** `{model_name or model.get('name')}` ({model.get('device')}, {model.get('dtype')})",
    ]
    if model.get("notice"):
        lines.append(f"> ⚠️ **Fallback:** {html.escape(model['notice'])}")
    if not results.get("reportable", True):
        lines.append("> This run used a sample limit, so it is marked non-reportable.")
    if report_error:
        lines.append(f"> The HTML report could not be written: {html.escape(report_error)}")
    return "\n\n".join(lines)


def report_plots(report_html: str) -> str:
    """The report's SVG plots, each under its section's heading, for display in the page."""
    parts = []
    for heading, svg in _SVG.findall(report_html):
        parts.append(f'<div class="nlpsuite-plot"><h4>{heading}</h4>{svg}</div>')
    return "".join(parts)
