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
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from nlpsuite.errors import PluginError, UsageError
from nlpsuite.runtime import LoadedTask, ModelInfo, load_task, resolve_options
from nlpsuite.session import Session
from nlpsuite.specs import TaskSpec
from nlpsuite.web.field_components import label_for
from nlpsuite.web.model_choice import ModelChoice, ModelPolicy
from nlpsuite.web.settings import DemoSettings
from nlpsuite.web.task_form import TaskRequest
from nlpsuite.web.values import text_size

LOADED_TASKS_CACHE = "web.loaded-tasks"


@dataclass(frozen=True)
class TaskResult:
    """A task's output for one request, the model that made it, and (given a reference) the task's
    reference metrics on it as (metric, value, better) rows."""

    output: dict[str, Any]
    model: ModelInfo
    scores: list[list[str]] | None = None


def _canonical(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class TaskRunner:
    """Loads and runs tasks in one session under one server's limits."""

    def __init__(self, session: Session, settings: DemoSettings, policy: ModelPolicy | None = None) -> None:
        self.session = session
        self.settings = settings
        self.policy = policy or ModelPolicy.for_server(settings.model_dirs, allow_hub_models=settings.allow_hub_models,
                                                       offline=bool(session.offline))
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._threads: dict[str, ThreadPoolExecutor] = {}

    # -- checks before any model loads ---------------------------------------------------------
    def check(self, spec: TaskSpec, request: TaskRequest) -> None:
        """Refuse a request over the size cap or missing a required input, with what to do."""
        size = sum(text_size(v) for v in request.record.values()) + sum(text_size(v) for v in request.task_args.values())
        limit = self.settings.max_input_chars
        if size > limit:
            raise UsageError(
                f"the input is {size:,} characters; this server takes at most {limit:,} per request",
                hint="shorten the text",
            )
        for field in spec.input_fields:
            if field.required and field.name not in request.record:
                raise UsageError(f"fill in {label_for(field)!r} first" + (f" ({field.description})" if field.description else ""))

    # -- loading ------------------------------------------------------------------------------
    def model_choice(self, spec: TaskSpec, choice: str | None) -> ModelChoice:
        """What a visitor's Model choice loads (refused unless the server offers it)."""
        return self.policy.resolve(spec, choice)

    def loaded(self, spec: TaskSpec, request: TaskRequest) -> LoadedTask:
        """The task with the request's model and settings, loaded once per session."""
        chosen = self.model_choice(spec, request.model)
        options = replace(self.settings.task_options(), task_args=dict(request.task_args),
                          generation=dict(request.generation))
        options = resolve_options(spec, options)  # a bad setting is refused before any model loads
        key = (spec.name, chosen.reference, _canonical(options.task_args), _canonical(options.generation))
        cache = self.session.cache(LOADED_TASKS_CACHE, max_entries=max(8, self.session.models.max_entries * 4))

        def load() -> LoadedTask:
            loaded = load_task(spec.name, chosen.reference, options, notify=self._notice, session=self.session)
            if chosen.shown:  # a local model is named by its folder, never by its path on the server
                loaded = replace(loaded, model=replace(loaded.model, name=chosen.shown))
            return loaded

        return cache.get_or_load(key, load)

    def batch_key(self, spec: TaskSpec, request: TaskRequest) -> str:
        """Requests with the same key run on the same loaded task, so they can share a forward pass."""
        return _canonical({"model": request.model, "args": request.task_args, "generation": request.generation,
                           "task": spec.name})

    def _notice(self, message: str) -> None:
        # shown to the user with each result (ModelInfo.notice); logged once here for the operator
        if not self.settings.quiet:
            print(f"nlpsuite demo: notice: {message}", file=sys.stderr)

    def _model_thread(self, loaded: LoadedTask) -> ThreadPoolExecutor:
        """The one thread that runs a model's batched forward passes.

        Gradio calls handlers from a pool of up to 40 threads.  Passes of changing batch shapes from all of
        them grew the server by about 150 MB a minute under 16 users (120 MB over 7,500 requests even with
        one malloc arena, so per-thread state rather than the allocator's arenas); from one thread the same
        7,500 requests grew it by about 30 MB, levelling off.
        """
        with self._locks_lock:
            thread = self._threads.get(loaded.model.source)
            if thread is None:
                thread = self._threads[loaded.model.source] = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix=f"nlpsuite-model-{len(self._threads)}")
            return thread

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
        outcome = self.run_many(spec, [request])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def run_many(self, spec: TaskSpec, requests: Sequence[TaskRequest | Exception]) -> list[TaskResult | Exception]:
        """Answer requests that arrived together: those for the same model and settings in one predict call.

        Each request keeps its own outcome: one over the size cap, one whose model fails to load, or one
        input the model cannot answer fails alone and the rest are answered.  A request may already be an
        exception (its values did not fit the form); it is passed through.
        """
        outcomes: list[TaskResult | Exception | None] = [r if isinstance(r, Exception) else None for r in requests]
        groups: dict[str, list[int]] = {}
        for index, request in enumerate(requests):
            if isinstance(request, Exception):
                continue
            try:
                self.check(spec, request)
            except Exception as exc:  # noqa: BLE001 - kept for this request only
                outcomes[index] = exc
                continue
            groups.setdefault(self.batch_key(spec, request), []).append(index)
        for indices in groups.values():
            first = requests[indices[0]]
            assert not isinstance(first, Exception)
            try:
                loaded = self.loaded(spec, first)
                records = [dict(requests[i].record) for i in indices]  # type: ignore[union-attr]
                with self._model_lock(loaded):
                    outputs = self._model_thread(loaded).submit(loaded.predict, records).result()
            except Exception as exc:  # noqa: BLE001 - the group's model failed: each request is told so
                for i in indices:
                    outcomes[i] = exc
                continue
            for i, output in zip(indices, outputs):
                outcomes[i] = (PluginError(str(output["error"])) if "error" in output
                               else self._result(spec, requests[i], output, loaded))  # type: ignore[arg-type]
        return outcomes  # type: ignore[return-value]

    def stream(self, spec: TaskSpec, request: TaskRequest) -> Iterator[TaskResult]:
        """Partial outputs as produced (tasks whose model can stream); else the one final output."""
        self.check(spec, request)
        loaded = self.loaded(spec, request)
        if "stream" not in loaded.capabilities:
            yield self.run(spec, request)
            return
        last: dict[str, Any] | None = None
        with self._model_lock(loaded):
            for partial in loaded.stream(dict(request.record)):
                last = partial
                yield TaskResult(output=partial, model=loaded.model)
        if last is not None and request.reference:
            yield self._result(spec, request, last, loaded)  # the final output, now with its scores

    @staticmethod
    def _result(spec: TaskSpec, request: TaskRequest, output: dict[str, Any], loaded: LoadedTask) -> TaskResult:
        from nlpsuite.web.reference_scores import reference_scores

        scores = reference_scores(spec, output, request.reference) if request.reference else None
        return TaskResult(output=output, model=loaded.model, scores=scores)

    def close(self) -> None:
        """Let the model threads finish what they run and end (the server is stopping)."""
        with self._locks_lock:
            threads, self._threads = list(self._threads.values()), {}
        for thread in threads:
            thread.shutdown(wait=False)

    def warm_up(self, specs: list[TaskSpec]) -> None:
        """Load each task's default model now (in the background), so a first click is quick.

        Failures are ignored here: the tab says what it needs, and a request gets the full error.
        """
        for spec in specs:
            try:
                self.loaded(spec, TaskRequest(record={}, task_args=example_args(spec)))
            except Exception:  # noqa: BLE001 - warming is best effort
                continue


def example_args(spec: TaskSpec) -> dict[str, Any]:
    """Task arguments a default model may depend on, from the task's first example (translation's pair)."""
    if spec.default_model_for is None or not spec.examples:
        return {}
    optional = {f.name for f in spec.input_fields if not f.required}
    return {k: v for k, v in dict(spec.examples[0]).items() if k in optional}
