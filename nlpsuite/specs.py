"""Typed spec objects that plugins return from the registration hooks.

Everything here is plain data plus lazy callables: importing this module (or
registering a spec) never imports torch or transformers.  The host validates
each spec with :func:`validate_spec` and records which plugin gave it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:  # numpy is not imported to list plugins
    import numpy as np

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$", re.IGNORECASE)

#: The plugin API this host implements (``major.minor``).  A plugin declares the
#: version it was built for as a module attribute ``NLPSUITE_PLUGIN_API = "1.0"``;
#: it is compatible when the majors match and its minor is not newer than ours.
PLUGIN_API_VERSION = "1.0"

#: Value types of input/output fields, task arguments, generation settings and metric arguments.
#: ``label``/``text`` hold a string, ``labels``/``text_list`` a list of strings, ``json`` anything
#: JSON can hold, ``path`` a file path given as text.
FieldType = Literal["text", "text_list", "label", "labels", "number", "integer", "boolean", "json", "path"]
FIELD_TYPES: tuple[str, ...] = ("text", "text_list", "label", "labels", "number", "integer", "boolean", "json", "path")

#: Keys every output record may hold besides the declared output fields.
WARNINGS_KEY = "warnings"  # a list of strings, e.g. "input truncated to 1024 tokens"
DETAILS_KEY = "details"  # one JSON object of diagnostics (intermediate scores, counts …)
RESERVED_OUTPUT_KEYS: tuple[str, ...] = (WARNINGS_KEY, DETAILS_KEY)

Capability = Literal["stream", "score"]
CAPABILITIES: tuple[str, ...] = ("stream", "score")


@dataclass(frozen=True)
class FieldSpec:
    """A typed value: an input or output field, a task argument, a generation setting or a metric argument.

    The host parses and checks values against it for every front end (``--arg``,
    the web UI, the harness, Ray workers): ``choices`` limits the values,
    ``minimum``/``maximum`` bound numbers.  Datasets, the web UI and the harness read these.
    """

    name: str
    type: FieldType = "text"
    description: str = ""
    required: bool = True
    default: Any = None
    choices: Sequence[Any] | None = None
    minimum: float | None = None
    maximum: float | None = None


def argument(
    name: str,
    type: FieldType = "text",
    description: str = "",
    *,
    default: Any = None,
    choices: Sequence[Any] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    required: bool = False,
) -> FieldSpec:
    """A task argument, generation setting or metric argument: a :class:`FieldSpec` that is optional by default."""
    return FieldSpec(name, type, description, required=required, default=default, choices=choices,
                     minimum=minimum, maximum=maximum)


@dataclass(frozen=True)
class MetricBinding:
    """Which of a task's fields a metric compares.

    ``prediction_field`` is one of the task's output fields; ``reference_field``
    is the task's reference field, or ``None`` for a metric that needs no
    reference (perplexity, audit statistics).  ``name`` is the key the score is
    reported under (default: the metric's name), so one metric can be bound twice.
    """

    metric: str
    prediction_field: str
    reference_field: str | None = None
    name: str | None = None

    @property
    def key(self) -> str:
        return self.name or self.metric


@dataclass(frozen=True)
class ModelRequest:
    """What a task's ``build`` loads: ``source`` is what ``from_pretrained`` gets.

    Made by the host from a model reference (a registered name, a local
    directory, or a hub id ``org/model@revision``); a plugin never parses one itself.
    """

    reference: str
    kind: Literal["registered", "local", "hub"]
    source: str
    revision: str | None = None
    spec: ModelSpec | None = None

    @property
    def display_name(self) -> str:
        if self.spec is not None:
            return f"{self.spec.name} (embedded)" if self.spec.embedded else self.spec.name
        return f"{self.source}@{self.revision}" if self.revision else self.source

    @property
    def model_kind(self) -> str | None:
        """The registered model kind (``sentence-transformer``, …) when known without loading."""
        return self.spec.kind if self.spec is not None else None


@runtime_checkable
class Predictor(Protocol):
    """What a task's ``build`` returns: a loaded model that answers batches."""

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Answer a batch of input records (already validated) with exactly one output each, in order.

        An output record holds the task's declared output fields, and may hold
        ``warnings`` (a list of strings) and ``details`` (one JSON object of
        diagnostics); the host checks every output and fails a batch whose
        number of outputs differs from its number of inputs.
        """
        ...

    def config(self) -> dict[str, Any]:
        """The effective settings (generation config, labels, …) recorded with results."""
        ...


@runtime_checkable
class StreamingPredictor(Protocol):
    """The ``stream`` capability: one input's output as it is produced (generation in the demo)."""

    def stream(self, record: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Yield output records for ``record``, each the output so far; the last is the final output."""
        ...


@dataclass(frozen=True)
class TextScore:
    """The ``score`` capability's answer for one text: its log-likelihood under the model.

    ``token_nll`` holds the negative log-likelihood (nats) of each scored token;
    ``n_bytes`` is the UTF-8 length of the text (for bits per byte).
    """

    n_tokens: int
    nll: float
    token_nll: Sequence[float] = ()
    n_bytes: int = 0

    @property
    def logprob(self) -> float:
        return -self.nll


@runtime_checkable
class ScoringPredictor(Protocol):
    """The ``score`` capability: log-likelihoods of texts (perplexity, likelihood-based bias tests)."""

    def score(self, texts: list[str]) -> list[TextScore]:
        """One :class:`TextScore` per text, in order."""
        ...


CAPABILITY_PROTOCOLS: dict[str, type] = {"stream": StreamingPredictor, "score": ScoringPredictor}


@dataclass(frozen=True)
class TaskOptions:
    """Run-time options a front end passes to a task's ``build``.

    ``task_args`` holds the task's arguments, already parsed and checked by the
    host against :attr:`TaskSpec.arguments` (declared defaults filled in);
    ``generation`` holds generation settings checked against
    :attr:`TaskSpec.generation_settings`; ``model_args`` holds loader settings.
    ``session`` is the :class:`nlpsuite.session.Session` whose model cache and
    offline mode apply (``None``: the process's default session).
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
    session: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TaskSpec:
    """A task: what it reads and writes, how it is judged, and how its model is built.

    ``build(model, options)`` receives a :class:`ModelRequest` (what to load,
    already resolved by the host) and returns a :class:`Predictor`.  It must
    raise :class:`~nlpsuite.errors.ModelUnavailableError` when the model cannot
    be had (offline, unreachable), so that the host can fall back.

    Everything a front end needs is declared here, so the CLI, the harness, the
    web demo and the audit need no per-task code:

    * ``arguments``: typed task arguments (``--arg KEY=VALUE``); the host parses
      and checks them and refuses any other (input field names are accepted too:
      they give a value for every record that lacks one);
    * ``generation_settings``: accepted ``--gen-kwargs`` (none declared: refused);
    * ``metrics``: metric names (bound to ``reference_field`` and the output
      field of the same name, else the first output field) or
      :class:`MetricBinding` objects naming both fields;
    * ``capabilities``: ``"stream"`` / ``"score"``, implemented by the predictor
      (:class:`StreamingPredictor`, :class:`ScoringPredictor`);
    * ``examples`` (input records a demo and the docs show), ``sample_dataset``
      (a registered dataset name) and ``batch_size`` (preferred samples per batch).

    ``default_model_for(task_args)`` may pick a default from task arguments
    (translation picks opus-mt by language pair); it overrides ``default_model``.

    ``fields_needed(model, task_args)`` names optional input fields that every
    record must carry (or a task argument supply) with the model asked for
    (``None``: the task's default), decided without loading it: zero-shot
    classification needs ``labels``, a fine-tuned classifier does not.  Front
    ends refuse records that lack them before any model loads.
    """

    name: str
    description: str
    input_fields: Sequence[FieldSpec]
    output_fields: Sequence[FieldSpec]
    build: Callable[[ModelRequest, TaskOptions], Predictor]
    reference_field: str | None = None
    default_model: str | None = None
    fallback_model: str | None = None
    metrics: Sequence[str | MetricBinding] = ()
    default_model_for: Callable[[Mapping[str, Any]], str | None] | None = None
    no_fallback_hint: str = ""
    arguments: Sequence[FieldSpec] = ()
    generation_settings: Sequence[FieldSpec] = ()
    capabilities: Sequence[str] = ()
    examples: Sequence[Mapping[str, Any]] = ()
    sample_dataset: str | None = None
    batch_size: int | None = None
    fields_needed: Callable[[str | None, Mapping[str, Any]], Sequence[str]] | None = None

    @property
    def text_fields(self) -> list[str]:
        return [f.name for f in self.input_fields if f.type == "text"]

    @property
    def bindings(self) -> list[MetricBinding]:
        """Every metric with the fields it compares (names expanded to bindings)."""
        # a name alone compares the output field named like the reference field, else the first output field
        names = [f.name for f in self.output_fields]
        primary = self.reference_field if self.reference_field in names else (names[0] if names else "")
        return [
            m if isinstance(m, MetricBinding) else MetricBinding(m, primary, self.reference_field)
            for m in self.metrics
        ]

    @property
    def metric_keys(self) -> list[str]:
        """The names the task's scores are reported under."""
        return [b.key for b in self.bindings]

    def output_field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.output_fields if f.name == name), None)


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
    holds one row of sufficient statistics per sample (a list of rows, or a 2-D
    float array, which is far smaller on large sets) and the spec's
    ``aggregate`` turns any subset of rows back into a corpus value: bootstrap
    CIs and paired significance tests resample those rows.
    """

    value: float
    per_sample: list[float] | None = None
    stats: list[list[float]] | np.ndarray | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricSpec:
    """A metric: ``compute(predictions, references, args) -> MetricResult``.

    Tasks bind a metric to their own fields (:class:`MetricBinding`), so a
    metric names no field.  ``needs_reference=False`` marks a metric computed
    from predictions alone (``references`` is then a list of ``None``).
    ``arguments`` declares the typed settings ``--metric-args`` may give; the
    host checks them and fills in their defaults before ``compute`` sees them.
    ``aggregate(stats_rows) -> float`` is required when the corpus value is not
    a mean of per-sample scores (see :class:`MetricResult`).
    """

    name: str
    description: str
    version: str
    higher_is_better: bool
    compute: Callable[[Sequence[Any], Sequence[Any], Mapping[str, Any]], MetricResult]
    aggregate: Callable[[Any], float] | None = None
    arguments: Sequence[FieldSpec] = ()
    needs_reference: bool = True

    @property
    def default_args(self) -> dict[str, Any]:
        return {a.name: a.default for a in self.arguments if a.default is not None}


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
    ``directions`` names the swaps it can make (e.g. ``("male->female", "female->male")``;
    a direction for text in another language than English carries it after ``@``:
    ``"female->male@de"``, used to swap generated translations back).
    ``provenance()`` lists where its word lists come from (citation, file, SHA-256),
    shown in every audit report.
    """

    name: str
    description: str
    apply: Callable[[str, str], PerturbationResult]
    directions: Sequence[str] = ()
    groups: Sequence[str] = ()
    provenance: Callable[[], Sequence[Mapping[str, Any]]] | None = None


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
        _validate_task(spec)
    if isinstance(spec, MetricSpec):
        if not isinstance(spec.higher_is_better, bool):
            raise ValueError(f"MetricSpec {name!r}: higher_is_better must be True or False")
        _validate_fields(f"MetricSpec {name!r} argument", spec.arguments)


def _validate_fields(owner: str, fields: Sequence[FieldSpec]) -> None:
    from nlpsuite.arguments import ValueProblem, coerce

    seen: set[str] = set()
    for f in fields:
        if not isinstance(f, FieldSpec):
            raise ValueError(f"{owner}s must be FieldSpec, got {type(f).__name__}")
        if f.type not in FIELD_TYPES:
            raise ValueError(f"{owner} {f.name!r} has unknown type {f.type!r}; types: {', '.join(FIELD_TYPES)}")
        if f.name in seen:
            raise ValueError(f"{owner} {f.name!r} is declared twice")
        seen.add(f.name)
        if f.default is not None:
            try:
                coerce(f, f.default)
            except ValueProblem as problem:
                raise ValueError(f"{owner} {f.name!r}: its default {f.default!r} {problem}") from None


def _validate_task(spec: TaskSpec) -> None:
    name = spec.name
    owner = f"TaskSpec {name!r}"
    if not spec.input_fields:
        raise ValueError(f"{owner} declares no input fields")
    if not spec.output_fields:
        raise ValueError(f"{owner} declares no output fields")
    _validate_fields(f"{owner} input field", spec.input_fields)
    _validate_fields(f"{owner} output field", spec.output_fields)
    _validate_fields(f"{owner} argument", spec.arguments)
    _validate_fields(f"{owner} generation setting", spec.generation_settings)
    reserved = [f.name for f in spec.output_fields if f.name in RESERVED_OUTPUT_KEYS]
    if reserved:
        raise ValueError(f"{owner}: output field {reserved[0]!r} is reserved for the host (warnings, details)")
    shadowing = {a.name for a in spec.arguments} & {f.name for f in spec.input_fields}
    if shadowing:
        raise ValueError(f"{owner}: argument {sorted(shadowing)[0]!r} has the name of an input field")
    unknown = sorted(set(spec.capabilities) - set(CAPABILITIES))
    if unknown:
        raise ValueError(f"{owner}: unknown capability {unknown[0]!r}; capabilities: {', '.join(CAPABILITIES)}")
    outputs = {f.name for f in spec.output_fields}
    keys: set[str] = set()
    for binding in spec.bindings:
        if not isinstance(binding, MetricBinding) or not isinstance(binding.metric, str):
            raise ValueError(f"{owner}: metrics must be names or MetricBinding objects")
        if binding.prediction_field not in outputs:
            raise ValueError(f"{owner}: metric {binding.key!r} reads {binding.prediction_field!r}, "
                             f"which is not an output field ({', '.join(sorted(outputs))})")
        if binding.reference_field is not None and binding.reference_field != spec.reference_field:
            raise ValueError(f"{owner}: metric {binding.key!r} compares with {binding.reference_field!r}, "
                             f"but the task's reference field is {spec.reference_field!r}")
        if binding.key in keys:
            raise ValueError(f"{owner}: metric {binding.key!r} is bound twice; give one binding a name")
        keys.add(binding.key)
    required = [f.name for f in spec.input_fields if f.required]
    for number, example in enumerate(spec.examples, start=1):
        if not isinstance(example, Mapping) or any(example.get(r) is None for r in required):
            raise ValueError(f"{owner}: example {number} must be a mapping with the required input fields {required}")
    if spec.batch_size is not None and (not isinstance(spec.batch_size, int) or spec.batch_size < 1):
        raise ValueError(f"{owner}: batch_size must be a whole number of at least 1")
