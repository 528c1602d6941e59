"""What a worker needs to load the driver's task exactly: a small, picklable recipe.

A :class:`~nlpsuite.runtime.LoadedTask` holds a live model and a session, so it
cannot travel to another process.  A :class:`TaskRecipe` is its shippable
description: the task name, the model the driver actually resolved (after any
fallback, so a worker never falls back to a different model on its own) and
the typed options without the session.  Each worker loads it once in its own
:class:`~nlpsuite.session.Session`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from nlpsuite.session import session_of
from nlpsuite.specs import TaskOptions

if TYPE_CHECKING:  # pragma: no cover
    from nlpsuite.runtime import LoadedTask
    from nlpsuite.session import Session


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


_MAPPINGS = ("generation", "task_args", "model_args", "expected_config", "expected_model", "runtime_pins")


def portable_model_identity(loaded: LoadedTask) -> dict[str, Any]:
    """The cache key's model identity without what differs between machines holding the same files
    (modification times of a copied model directory)."""
    from nlpsuite.evaluation.provenance import model_identity

    identity = model_identity(loaded)
    files = identity.get("files")
    if isinstance(files, list):
        identity["files"] = [entry[:2] for entry in files]  # (relative path, size)
    return identity


@dataclass(frozen=True)
class TaskRecipe:
    """Task name, resolved model reference and typed options (minus the session) of a loaded task.

    ``device`` and ``dtype`` are the ones the driver resolved, so a worker
    computes what the cache key says.  ``expected_config`` is the driver's
    effective task config: a worker whose plugin or model answers with another
    one refuses to predict rather than store predictions under the wrong key;
    ``expected_model`` does the same for the model's identity (files and sizes,
    revision, registered hashes).  ``runtime_pins`` are the runtimes ``--runtime auto``
    chose on the driver: a worker uses them rather than measure its own (its threads differ).
    """

    task: str
    model: str
    device: str | None = None
    dtype: str | None = None
    offline: bool = False
    trust_remote_code: bool = False
    allow_pickle: bool = False
    batch_size: int | None = None
    generation: Mapping[str, Any] = field(default_factory=dict)
    task_args: Mapping[str, Any] = field(default_factory=dict)
    model_args: Mapping[str, Any] = field(default_factory=dict)
    expected_config: Mapping[str, Any] = field(default_factory=dict)
    expected_model: Mapping[str, Any] = field(default_factory=dict)
    runtime_pins: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_loaded(cls, loaded: LoadedTask, *, device: str | None = None) -> TaskRecipe:
        """The recipe of a task the driver loaded (``device`` overrides the driver's device)."""
        request = loaded.request
        # a local directory travels as its absolute path: a worker's working directory may differ
        model = request.source if request.kind == "local" else request.reference
        options = loaded.options
        return cls(
            task=loaded.spec.name,
            model=model,
            device=device or options.device,
            dtype=options.dtype,
            offline=bool(options.offline),
            trust_remote_code=options.trust_remote_code,
            allow_pickle=options.allow_pickle,
            batch_size=options.batch_size,
            generation=dict(options.generation),
            task_args=dict(options.task_args),
            model_args=dict(options.model_args),
            expected_config=loaded.config(),
            expected_model=portable_model_identity(loaded),
            runtime_pins=dict(session_of(options).runtime_pins),
        )

    def __post_init__(self) -> None:
        for name in _MAPPINGS:
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def __reduce__(self) -> Any:
        # mappingproxy does not pickle: travel as plain dicts, frozen again on arrival
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in _MAPPINGS:
            values[name] = dict(values[name])
        return (_rebuild, (values,))

    def options(self, session: Session | None = None) -> TaskOptions:
        """The task options of this recipe, bound to ``session`` (quiet: workers print no progress)."""
        return TaskOptions(
            device=self.device, dtype=self.dtype, offline=self.offline, trust_remote_code=self.trust_remote_code,
            allow_pickle=self.allow_pickle, batch_size=self.batch_size, quiet=True,
            generation=dict(self.generation), task_args=dict(self.task_args), model_args=dict(self.model_args),
            session=session,
        )

    def load(self, session: Session) -> LoadedTask:
        """Load the task in ``session`` and check it is configured as on the driver."""
        from nlpsuite.errors import UsageError
        from nlpsuite.evaluation.prediction_cache import canonical_json
        from nlpsuite.runtime import load_task

        session.runtime_pins.update(self.runtime_pins)
        loaded = load_task(self.task, self.model, self.options(session), notify=lambda _m: None, session=session)
        for what, here, there in (("configured differently", loaded.config(), self.expected_config),
                                  ("holding a different model", portable_model_identity(loaded), self.expected_model)):
            if there and canonical_json(here) != canonical_json(dict(there)):
                raise UsageError(
                    f"task {self.task!r} with model {self.model} is {what} on this worker "
                    f"({canonical_json(here)[:300]}) than on the driver ({canonical_json(dict(there))[:300]})",
                    hint="install the same nlpsuite, plugins and model files on every worker "
                    "(e.g. a Ray runtime environment, see README 'Running on a Ray cluster')",
                )
        return loaded


def _rebuild(values: dict[str, Any]) -> TaskRecipe:
    return TaskRecipe(**values)
