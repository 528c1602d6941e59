"""Typed spec objects that plugins return from the registration hooks.

Everything here is plain data plus lazy callables: importing this module (or
registering a spec) never imports torch or transformers.  The host validates
each spec with :func:`validate_spec` and records which plugin gave it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from nlpsuite.models.reference import ModelRequest

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$", re.IGNORECASE)

FieldType = Literal["text", "text_list", "label", "labels", "number", "json"]


@dataclass(frozen=True)
class FieldSpec:
    """One input or output field of a task: datasets, the web UI and the harness read these."""

    name: str
    type: FieldType = "text"
    description: str = ""
    required: bool = True
    default: Any = None


@runtime_checkable
class Predictor(Protocol):
    """What a task's ``build`` returns: a loaded model that answers batches."""

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Answer a batch of input records (already validated) in the same order.

        An output record holds the task's output fields and may hold ``warnings``
        (a list of strings, e.g. "input truncated to 1024 tokens").
        """
        ...

    def config(self) -> dict[str, Any]:
        """The effective settings (generation config, labels, …) recorded with results."""
        ...


@dataclass(frozen=True)
class TaskOptions:
    """Run-time options a front end passes to a task's ``build``.

    ``task_args`` holds task-specific settings (``src_lang``, ``labels``, an
    examples file, …); ``generation`` holds generation settings such as
    ``num_beams``; ``model_args`` holds loader settings (e.g. quantization).
    """

    device: str | None = None
    dtype: str | None = None
    offline: bool = False
    trust_remote_code: bool = False
    allow_pickle: bool = False
    batch_size: int | None = None
    quiet: bool = False
    generation: Mapping[str, Any] = field(default_factory=dict)
    task_args: Mapping[str, Any] = field(default_factory=dict)
    model_args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskSpec:
    """A task: its field schema, default and fallback models, metrics and builder.

    ``build(model, options)`` receives a :class:`~nlpsuite.models.reference.ModelRequest`
    (what to load, already resolved by the host) and returns a :class:`Predictor`.
    It must raise :class:`~nlpsuite.errors.ModelUnavailableError` when the model
    cannot be had (offline, unreachable), so that the host can fall back.
    ``default_model_for(task_args)`` may pick a default from task arguments
    (translation picks opus-mt by language pair); it overrides ``default_model``.
    ``task_args`` maps each task argument (``--arg KEY=VALUE``) to what it does;
    when declared, the host refuses any other argument (input field names are
    always accepted: they give a value for every record).
    """

    name: str
    description: str
    input_fields: Sequence[FieldSpec]
    output_fields: Sequence[FieldSpec]
    build: Callable[[ModelRequest, TaskOptions], Predictor]
    reference_field: str | None = None
    default_model: str | None = None
    fallback_model: str | None = None
    metrics: Sequence[str] = ()
    default_model_for: Callable[[Mapping[str, Any]], str | None] | None = None
    no_fallback_hint: str = ""
    task_args: Mapping[str, str] | None = None

    @property
    def text_fields(self) -> list[str]:
        return [f.name for f in self.input_fields if f.type == "text"]


ModelKind = Literal["sentence-transformer", "seq2seq", "sequence-classification", "masked-lm", "causal-lm", "other"]


@dataclass(frozen=True)
class ModelSpec:
    """A model a plugin provides by name, e.g. an embedded offline model.

    ``path()`` returns the local directory holding the weights (lazily: it may
    import the package that ships them). ``sha256`` maps files under that
    directory to their expected SHA-256, checked before first use.
    """

    name: str
    description: str
    kind: ModelKind
    path: Callable[[], Path | str]
    sha256: Mapping[str, str] = field(default_factory=dict)
    tasks: Sequence[str] = ()
    embedded: bool = False
    license: str = ""


@dataclass
class MetricResult:
    """What a metric's ``compute`` returns.

    ``per_sample`` holds one score per sample (shown in samples.jsonl).  When the
    corpus value is not the mean of ``per_sample`` (BLEU, macro-F1), ``stats``
    holds one row of sufficient statistics per sample and the spec's
    ``aggregate`` turns any subset of rows back into a corpus value: bootstrap
    CIs and paired significance tests resample those rows.
    """

    value: float
    per_sample: list[float] | None = None
    stats: list[list[float]] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricSpec:
    """A metric: ``compute(predictions, references, args) -> MetricResult``.

    ``prediction_field``/``reference_field`` name the output and reference
    fields it compares.  ``aggregate(stats_rows) -> float`` is required when the
    corpus value is not a mean of per-sample scores (see :class:`MetricResult`).
    """

    name: str
    description: str
    version: str
    higher_is_better: bool
    compute: Callable[[Sequence[Any], Sequence[Any], Mapping[str, Any]], MetricResult]
    prediction_field: str
    reference_field: str
    aggregate: Callable[[Any], float] | None = None
    default_args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetSpec:
    """A named dataset for one task; ``load()`` yields records lazily.

    Each record holds an ``id``, the task's input fields and its reference field.
    """

    name: str
    task: str
    description: str
    load: Callable[[], Iterable[dict[str, Any]]]
    version: str = "1"
    citation: str = ""
    license: str = ""


@dataclass(frozen=True)
class Substitution:
    """One swap a perturbation made, for the audit log."""

    start: int
    end: int
    original: str
    replacement: str


@dataclass(frozen=True)
class PerturbationResult:
    text: str
    substitutions: Sequence[Substitution] = ()


@dataclass(frozen=True)
class PerturbationSpec:
    """A counterfactual swap for audits, e.g. gender terms male→female.

    ``apply(text, direction)`` returns the perturbed text and every substitution;
    ``directions`` names the swaps it can make (e.g. ``("male->female", "female->male")``).
    """

    name: str
    description: str
    apply: Callable[[str, str], PerturbationResult]
    directions: Sequence[str] = ()
    groups: Sequence[str] = ()


@dataclass(frozen=True)
class CommandSpec:
    """An extra CLI subcommand: ``configure(parser)`` adds arguments, ``run(args)`` returns an exit code."""

    name: str
    help: str
    configure: Callable[[Any], None]
    run: Callable[[Any], int]


SPEC_TYPES: dict[str, type] = {
    "tasks": TaskSpec,
    "models": ModelSpec,
    "metrics": MetricSpec,
    "datasets": DatasetSpec,
    "perturbations": PerturbationSpec,
    "commands": CommandSpec,
}


def validate_spec(kind: str, spec: object) -> None:
    """Raise ``ValueError`` saying what is wrong with a spec a plugin returned."""
    expected = SPEC_TYPES[kind]
    if not isinstance(spec, expected):
        raise ValueError(f"register_{kind} returned {type(spec).__name__!s}, expected {expected.__name__}")
    name = getattr(spec, "name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(
            f"{expected.__name__} name {name!r} is invalid: use letters, digits and '_', '-', '.', ':'"
        )
    for attr in ("build", "path", "compute", "load", "apply", "configure", "run"):
        if hasattr(spec, attr) and not callable(getattr(spec, attr)):
            raise ValueError(f"{expected.__name__} {name!r}: {attr} must be callable")
    if isinstance(spec, TaskSpec):
        names = [f.name for f in spec.input_fields]
        if not names:
            raise ValueError(f"TaskSpec {name!r} declares no input fields")
        if len(set(names)) != len(names):
            raise ValueError(f"TaskSpec {name!r} declares an input field twice: {names}")
        if not spec.output_fields:
            raise ValueError(f"TaskSpec {name!r} declares no output fields")
        for f in (*spec.input_fields, *spec.output_fields):
            if not isinstance(f, FieldSpec):
                raise ValueError(f"TaskSpec {name!r}: fields must be FieldSpec, got {type(f).__name__}")
    if isinstance(spec, MetricSpec) and not isinstance(spec.higher_is_better, bool):
        raise ValueError(f"MetricSpec {name!r}: higher_is_better must be True or False")
