"""Load a task with its model (falling back to an embedded model offline) and run it safely.

This is the one way front ends run a task: the CLI, the harness, the web demo
and the audits all call :func:`load_task` and :meth:`LoadedTask.predict`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from nlpsuite._privacy import offline_requested
from nlpsuite.arguments import parse_declared
from nlpsuite.batching import map_in_sorted_batches, progress_bar
from nlpsuite.errors import ModelUnavailableError, PluginError, UsageError
from nlpsuite.models.reference import parse_model_reference, refuse_two_readings
from nlpsuite.record_checks import input_problem, normalise_record, output_problem
from nlpsuite.registry import get_task
from nlpsuite.session import Session, session_of
from nlpsuite.specs import CAPABILITY_PROTOCOLS, FieldSpec, ModelRequest, Predictor, TaskOptions, TaskSpec, TextScore

DEFAULT_BATCH_SIZE = 32


@dataclass(frozen=True)
class ModelInfo:
    """The model actually used, recorded in every output.

    ``origin`` says where it came from (``registered``, ``local`` or ``hub``);
    ``kind`` is the model's kind (``sentence-transformer``, ``seq2seq``, …) when
    known without loading, as ``nlpsuite models`` shows it.
    """

    name: str
    source: str
    origin: str
    kind: str | None
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


def _as_argument(field: FieldSpec) -> FieldSpec:
    # an input field given as a task argument supplies a value for records that lack one
    return replace(field, required=False, default=None)


def resolve_options(spec: TaskSpec, options: TaskOptions) -> TaskOptions:
    """``options`` with task arguments and generation settings parsed and checked against ``spec``.

    Every front end goes through here (``load_task`` calls it), so a bad value
    gets the same clear error from the CLI, the web UI, the harness and a Ray
    worker.  Declared argument defaults are filled in; parsing is idempotent.
    """
    owner = f"task {spec.name!r}"
    task_args = parse_declared(
        spec.arguments, options.task_args, what="argument", owner=owner, option="--arg",
        also_accepted=[_as_argument(f) for f in spec.input_fields],
    )
    generation = parse_declared(
        spec.generation_settings, options.generation, what="generation setting", owner=owner,
        option="--gen-kwargs", fill_defaults=False,
    )
    return replace(options, task_args=task_args, generation=generation)


def load_task(
    name: str,
    model: str | None = None,
    options: TaskOptions | None = None,
    *,
    notify: Callable[[str], None] = print_notice,
    session: Session | None = None,
) -> LoadedTask:
    """Resolve the model for task ``name`` and build it, in ``session`` (else the options' or the default one).

    ``model`` is what the user asked for (never replaced silently).  When it is
    ``None`` the task's default model is used, and if that cannot be had
    (offline, unreachable) the task's embedded fallback is used with a notice.
    Offline mode comes from the options, the session or ``HF_HUB_OFFLINE``; it
    is passed to the loaders, never set process-wide.
    """
    from nlpsuite.models.device import resolve_device, resolve_dtype

    spec = get_task(name)
    options = options or TaskOptions()
    session = session or session_of(options)
    options = resolve_options(spec, session.options(options, offline=options.offline or offline_requested()))
    device = resolve_device(options.device)
    options = replace(options, device=device, dtype=resolve_dtype(options.dtype, device))

    if model is not None:
        refuse_two_readings(model)
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
        origin=request.kind,
        kind=request.model_kind,
        revision=request.revision,
        requested=model,
        fallback=fallback,
        notice=notice,
        device=str(options.device),
        dtype=str(options.dtype),
    )
    return LoadedTask(spec=spec, predictor=predictor, model=info, options=options, request=request)


class BatchShapeError(PluginError):
    """A predictor answered a batch with a different number of outputs than inputs."""


@dataclass
class LoadedTask:
    """A task bound to a loaded model; ``predict`` validates, batches, checks outputs and isolates failures."""

    spec: TaskSpec
    predictor: Predictor
    model: ModelInfo
    options: TaskOptions
    request: ModelRequest

    @property
    def batch_size(self) -> int:
        return (self.options.batch_size or self.spec.batch_size or getattr(self.predictor, "batch_size", None)
                or DEFAULT_BATCH_SIZE)

    @property
    def capabilities(self) -> list[str]:
        """The declared capabilities this model's predictor implements (front ends offer only these)."""
        return [c for c in self.spec.capabilities if isinstance(self.predictor, CAPABILITY_PROTOCOLS[c])]

    def config(self) -> dict[str, Any]:
        """Effective task and generation settings, as recorded with results."""
        return dict(self.predictor.config())

    def validate(self, record: dict[str, Any]) -> str | None:
        """Why a record cannot be predicted, or ``None`` when it can."""
        return input_problem(self.spec, record)

    def text_length(self, record: Mapping[str, Any]) -> int:
        """Characters in the record's text fields: the length batches are sorted by."""
        return sum(len(record.get(name) or "") for name in self.spec.text_fields)

    def _predict_batch(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        outputs = self.predictor.predict(batch)
        if not isinstance(outputs, list) or len(outputs) != len(batch):
            got = len(outputs) if isinstance(outputs, list) else type(outputs).__name__
            raise BatchShapeError(
                f"task {self.spec.name!r}: the plugin returned {got} outputs for a batch of {len(batch)} inputs",
                hint="a predictor must return exactly one output per input, in order",
            )
        return outputs

    def _predict_one_by_one(self, batch: list[dict[str, Any]], _exc: Exception) -> list[dict[str, Any]]:
        outputs = []
        for record in batch:
            try:
                outputs.extend(self._predict_batch([record]))
            except Exception as exc:  # noqa: BLE001 - one bad sample never loses the rest
                message = exc.message if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"
                outputs.append({"error": message})
        return outputs

    def _checked(self, output: Any) -> dict[str, Any]:
        if isinstance(output, Mapping) and "error" in output:
            return {"error": str(output["error"])}
        problem = output_problem(self.spec, output)
        if problem:
            return {"error": f"task {self.spec.name!r}: {problem}"}
        return dict(output)

    def predict(self, records: Sequence[dict[str, Any]], *, progress: Any = None) -> list[dict[str, Any]]:
        """One output per input, in input order.

        Invalid inputs, failing samples and outputs that break the task's
        declaration get ``{"error": …}`` instead of stopping the run; a batch
        the plugin answers with the wrong number of outputs is retried input by
        input, so no output is ever reported for another input.
        """
        records = [normalise_record(self.spec, r) for r in records]
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
                self._predict_batch,
                length=self.text_length,
                batch_size=self.batch_size,
                on_batch_error=self._predict_one_by_one,
                progress=bar,
            )
        finally:
            if own_bar:
                bar.close()
        for index, result in zip(valid, results):
            outputs[index] = self._checked(result)
        return outputs  # type: ignore[return-value]

    def _require(self, capability: str) -> None:
        if capability not in self.capabilities:
            offered = ", ".join(self.capabilities) or "none"
            raise UsageError(
                f"task {self.spec.name!r} with model {self.model.name} cannot {capability} (its capabilities: {offered})",
                hint="see `nlpsuite tasks --json` for what each task offers",
            )

    def stream(self, record: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Outputs for one input as they are produced (the ``stream`` capability); the last is final."""
        self._require("stream")
        problem = self.validate(record)
        if problem:
            raise UsageError(f"task {self.spec.name!r}: {problem}")
        last: Any = None
        for partial in self.predictor.stream(record):  # type: ignore[attr-defined]
            last = partial
            yield dict(partial)
        checked = self._checked(last)
        if "error" in checked:
            raise PluginError(checked["error"])

    def score(self, texts: Sequence[str]) -> list[TextScore]:
        """Log-likelihood of each text under the model (the ``score`` capability)."""
        self._require("score")
        bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
        if bad is not None:
            raise UsageError(f"text {bad} to score is {type(texts[bad]).__name__}, not text")
        scores = self.predictor.score(list(texts))  # type: ignore[attr-defined]
        if len(scores) != len(texts) or not all(isinstance(s, TextScore) for s in scores):
            raise BatchShapeError(
                f"task {self.spec.name!r}: the plugin returned {len(scores)} scores for {len(texts)} texts",
                hint="score() must return one TextScore per text, in order",
            )
        return scores
