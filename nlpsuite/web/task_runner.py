"""Run tasks for the web UI: one session per server, models loaded once and shared by every tab and user.

Nothing here imports gradio, so the request path is testable on its own.  A
:class:`TaskRunner` checks a request against the server's limits, loads the
task through :func:`nlpsuite.runtime.load_task` in the server's session (the
loaded task is kept in the session, so every user shares it), and runs it
while holding its model's lock: tabs of different tasks may share one model
(the embedded encoder serves four), and a tokenizer is not safe to use from
two threads at once.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from nlpsuite.errors import NlpsuiteError, PluginError, UsageError
from nlpsuite.runtime import LoadedTask, ModelInfo, default_model_reference, load_task, resolve_options
from nlpsuite.session import Session
from nlpsuite.specs import TaskSpec
from nlpsuite.web.field_components import label_for
from nlpsuite.web.settings import DemoSettings
from nlpsuite.web.task_form import TaskRequest
from nlpsuite.web.values import text_size

LOADED_TASKS_CACHE = "web.loaded-tasks"


@dataclass(frozen=True)
class TaskResult:
    """A task's output for one request and the model that made it."""

    output: dict[str, Any]
    model: ModelInfo


def _canonical(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class TaskRunner:
    """Loads and runs tasks in one session under one server's limits."""

    def __init__(self, session: Session, settings: DemoSettings) -> None:
        self.session = session
        self.settings = settings
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    # -- checks before any model loads ---------------------------------------------------------
    def check(self, spec: TaskSpec, request: TaskRequest) -> None:
        """Refuse a request over the size cap or missing a required input, with what to do."""
        size = sum(text_size(v) for v in request.record.values()) + sum(text_size(v) for v in request.task_args.values())
        limit = self.settings.max_input_chars
        if size > limit:
            raise UsageError(
                f"the input is {size:,} characters; this server takes at most {limit:,} per request",
                hint="shorten the text, or start the server with a larger --max-input-chars",
            )
        for field in spec.input_fields:
            if field.required and field.name not in request.record:
                raise UsageError(f"fill in {label_for(field)!r} first" + (f" ({field.description})" if field.description else ""))

    # -- loading ------------------------------------------------------------------------------
    def loaded(self, spec: TaskSpec, request: TaskRequest) -> LoadedTask:
        """The task with the request's model and settings, loaded once per session."""
        options = replace(self.settings.task_options(), task_args=dict(request.task_args),
                          generation=dict(request.generation))
        options = resolve_options(spec, options)  # a bad setting is refused before any model loads
        key = (spec.name, request.model, _canonical(options.task_args), _canonical(options.generation))
        cache = self.session.cache(LOADED_TASKS_CACHE, max_entries=max(8, self.session.models.max_entries * 4))
        return cache.get_or_load(
            key, lambda: load_task(spec.name, request.model, options, notify=self._notice, session=self.session)
        )

    def _notice(self, message: str) -> None:
        # shown to the user with each result (ModelInfo.notice); logged once here for the operator
        if not self.settings.quiet:
            print(f"nlpsuite demo: notice: {message}", file=sys.stderr)

    @contextmanager
    def _model_lock(self, loaded: LoadedTask) -> Iterator[None]:
        with self.holding(loaded.model.source):
            yield

    @contextmanager
    def holding(self, *sources: str) -> Iterator[None]:
        """Hold the locks of the models at ``sources`` (always taken in one order, so two calls never deadlock)."""
        with self._locks_lock:
            locks = [self._locks.setdefault(source, threading.Lock()) for source in sorted(set(sources))]
        with ExitStack() as stack:
            for lock in locks:
                stack.enter_context(lock)
            yield

    @contextmanager
    def using(self, loaded: LoadedTask, *also: str) -> Iterator[LoadedTask]:
        """Hold ``loaded``'s model (and the models at ``also``) for a call: the Evaluate and Audit tabs run
        the harness inside this."""
        with self.holding(loaded.model.source, *also):
            yield loaded

    # -- running ------------------------------------------------------------------------------
    def run(self, spec: TaskSpec, request: TaskRequest) -> TaskResult:
        self.check(spec, request)
        loaded = self.loaded(spec, request)
        with self._model_lock(loaded):
            output = loaded.predict([dict(request.record)])[0]
        if "error" in output:
            raise PluginError(str(output["error"]))
        return TaskResult(output=output, model=loaded.model)

    def stream(self, spec: TaskSpec, request: TaskRequest) -> Iterator[TaskResult]:
        """Partial outputs as produced (tasks whose model can stream); else the one final output."""
        self.check(spec, request)
        loaded = self.loaded(spec, request)
        if "stream" not in loaded.capabilities:
            yield self.run(spec, request)
            return
        with self._model_lock(loaded):
            for partial in loaded.stream(dict(request.record)):
                yield TaskResult(output=partial, model=loaded.model)

    def warm_up(self, specs: list[TaskSpec]) -> None:
        """Load each task's default model now (in the background), so a first click is quick.

        Failures are ignored here: the tab says what it needs, and a request gets the full error.
        """
        for spec in specs:
            try:
                self.loaded(spec, TaskRequest(record={}, task_args=_example_args(spec)))
            except Exception:  # noqa: BLE001 - warming is best effort
                continue


def _example_args(spec: TaskSpec) -> dict[str, Any]:
    """Task arguments a default model may depend on, from the task's first example (translation's pair)."""
    if spec.default_model_for is None or not spec.examples:
        return {}
    optional = {f.name for f in spec.input_fields if not f.required}
    return {k: v for k, v in dict(spec.examples[0]).items() if k in optional}


def hub_model_notice(spec: TaskSpec, offline: bool) -> str | None:
    """What a tab says up front when its task needs a hub model it may not get (no embedded fallback)."""
    if spec.fallback_model:
        return None
    reference = default_model_reference(spec, _example_args(spec))
    if reference is None:
        return (f"Task {spec.name!r} has no default model: type the path of a local model directory "
                "(or a hub id) in Model.")
    from nlpsuite.models.reference import parse_model_reference

    try:
        request = parse_model_reference(reference)
    except NlpsuiteError:
        return None
    if request.kind != "hub" or _in_hub_cache(request.source, request.revision):
        return None
    hint = f" {spec.no_fallback_hint}." if spec.no_fallback_hint else ""
    if offline:
        return (f"This task has no embedded model, and its default model ({reference}) comes from the "
                f"Hugging Face hub, which this server does not contact (offline). Type the path of a local "
                f"model directory in Model.{hint}")
    return f"This task has no embedded model: its default model ({reference}) is downloaded from the hub on first use."


def _in_hub_cache(repo_id: str, revision: str | None) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    except Exception:  # noqa: BLE001 - an odd id or cache: treat as not cached
        return False
    return isinstance(found, str)
