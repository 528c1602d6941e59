"""Load a task with its model (falling back to an embedded model offline) and run it safely.

This is the one way front ends run a task: the CLI, the harness, the web demo
and the audits all call :func:`load_task` and :meth:`LoadedTask.predict`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from nlpsuite._privacy import enable_offline_mode, offline_requested
from nlpsuite.batching import map_in_sorted_batches, progress_bar
from nlpsuite.errors import ModelUnavailableError, UsageError
from nlpsuite.models.reference import ModelRequest, parse_model_reference
from nlpsuite.registry import get_task
from nlpsuite.specs import Predictor, TaskOptions, TaskSpec

DEFAULT_BATCH_SIZE = 32


@dataclass(frozen=True)
class ModelInfo:
    """The model actually used, recorded in every output."""

    name: str
    source: str
    kind: str
    revision: str | None
    requested: str | None
    fallback: bool
    notice: str | None
    device: str
    dtype: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def print_notice(message: str) -> None:
    print(f"nlpsuite: notice: {message}", file=sys.stderr)


def default_model_reference(spec: TaskSpec, task_args: dict[str, Any]) -> str | None:
    if spec.default_model_for is not None:
        chosen = spec.default_model_for(task_args)
        if chosen:
            return chosen
    return spec.default_model


def _no_model_hint(spec: TaskSpec) -> str:
    return spec.no_fallback_hint or "pass --model PATH to a local model directory, or go online"


def check_task_args(spec: TaskSpec, task_args: Mapping[str, Any]) -> None:
    """Refuse task arguments the task does not declare, listing the ones it takes."""
    if spec.task_args is None:
        return
    accepted = set(spec.task_args) | {f.name for f in spec.input_fields}
    unknown = sorted(set(task_args) - accepted)
    if unknown:
        described = "; ".join(f"{k}: {v}" for k, v in spec.task_args.items()) or "none"
        raise UsageError(
            f"task {spec.name!r} does not take argument(s) {', '.join(unknown)}",
            hint=f"{spec.name} arguments: {described}",
        )


def load_task(
    name: str,
    model: str | None = None,
    options: TaskOptions | None = None,
    *,
    notify: Callable[[str], None] = print_notice,
) -> LoadedTask:
    """Resolve the model for task ``name`` and build it.

    ``model`` is what the user asked for (never replaced silently).  When it is
    ``None`` the task's default model is used, and if that cannot be had
    (offline, unreachable) the task's embedded fallback is used with a notice.
    """
    from nlpsuite.models.device import resolve_device, resolve_dtype

    spec = get_task(name)
    options = options or TaskOptions()
    check_task_args(spec, options.task_args)
    if options.offline or offline_requested():
        enable_offline_mode()
        options = replace(options, offline=True)
    device = resolve_device(options.device)
    options = replace(options, device=device, dtype=resolve_dtype(options.dtype, device))

    reference = model or default_model_reference(spec, dict(options.task_args))
    if reference is None and spec.fallback_model:
        reference = spec.fallback_model
    if reference is None:
        raise UsageError(f"task {name!r} has no default model", hint=_no_model_hint(spec))

    notice = None
    fallback = False
    request = parse_model_reference(reference)
    try:
        predictor = spec.build(request, options)
    except ModelUnavailableError as exc:
        if model is not None:
            raise
        if not spec.fallback_model or spec.fallback_model == reference:
            raise ModelUnavailableError(
                f"task {name!r}: its default model {reference} is not available and the task has no embedded "
                f"fallback ({exc.message})",
                hint=_no_model_hint(spec),
            ) from exc
        notice = (
            f"default model {reference} for task {name!r} is not available "
            f"({'offline' if options.offline else 'hub unreachable'}); using embedded model {spec.fallback_model}"
        )
        notify(notice)
        fallback = True
        request = parse_model_reference(spec.fallback_model)
        predictor = spec.build(request, options)

    info = ModelInfo(
        name=request.display_name,
        source=request.source,
        kind=request.kind,
        revision=request.revision,
        requested=model,
        fallback=fallback,
        notice=notice,
        device=str(options.device),
        dtype=str(options.dtype),
    )
    return LoadedTask(spec=spec, predictor=predictor, model=info, options=options, request=request)


@dataclass
class LoadedTask:
    """A task bound to a loaded model; ``predict`` validates, batches and isolates failures."""

    spec: TaskSpec
    predictor: Predictor
    model: ModelInfo
    options: TaskOptions
    request: ModelRequest

    @property
    def batch_size(self) -> int:
        return self.options.batch_size or getattr(self.predictor, "batch_size", None) or DEFAULT_BATCH_SIZE

    def config(self) -> dict[str, Any]:
        """Effective task and generation settings, as recorded with results."""
        return dict(self.predictor.config())

    def validate(self, record: dict[str, Any]) -> str | None:
        """Why a record cannot be predicted, or ``None`` when it can."""
        if not isinstance(record, dict):
            return f"expected a JSON object with fields {[f.name for f in self.spec.input_fields]}, got {type(record).__name__}"
        for field in self.spec.input_fields:
            value = record.get(field.name, field.default)
            if value is None:
                if field.required:
                    found = ", ".join(sorted(record)) or "none"
                    return f"missing field {field.name!r} (fields found: {found})"
                continue
            if field.type == "text":
                if not isinstance(value, str):
                    return f"field {field.name!r} must be text, got {type(value).__name__}"
                if field.required and not value.strip():
                    return f"field {field.name!r} is empty"
        return None

    def text_length(self, record: Mapping[str, Any]) -> int:
        """Characters in the record's text fields: the length batches are sorted by."""
        return sum(len(record.get(name) or "") for name in self.spec.text_fields)

    def _predict_one_by_one(self, batch: list[dict[str, Any]], _exc: Exception) -> list[dict[str, Any]]:
        outputs = []
        for record in batch:
            try:
                outputs.extend(self.predictor.predict([record]))
            except Exception as exc:  # noqa: BLE001 - one bad sample never loses the rest
                outputs.append({"error": f"{type(exc).__name__}: {exc}"})
        return outputs

    def predict(self, records: Sequence[dict[str, Any]], *, progress: Any = None) -> list[dict[str, Any]]:
        """Outputs in input order.  Invalid or failing samples get ``{"error": …}`` instead of stopping the run."""
        outputs: list[dict[str, Any] | None] = [None] * len(records)
        valid: list[int] = []
        for index, record in enumerate(records):
            problem = self.validate(record)
            if problem:
                outputs[index] = {"error": problem}
            else:
                valid.append(index)
        own_bar = progress is None and len(valid) > self.batch_size
        bar = progress_bar(len(records), quiet=self.options.quiet, desc=self.spec.name) if own_bar else progress
        try:
            if bar is not None:
                bar.update(len(records) - len(valid))
            results = map_in_sorted_batches(
                [records[i] for i in valid],
                self.predictor.predict,
                length=self.text_length,
                batch_size=self.batch_size,
                on_batch_error=self._predict_one_by_one,
                progress=bar,
            )
        finally:
            if own_bar:
                bar.close()
        for index, result in zip(valid, results):
            outputs[index] = dict(result)
        return outputs  # type: ignore[return-value]
