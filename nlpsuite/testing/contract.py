"""The contract test a plugin author runs against their own plugin.

    from nlpsuite.testing import check_plugin_contract
    import my_plugin

    def test_contract():
        check_plugin_contract(my_plugin)

It checks what the host checks at load (spec types, names, declared fields,
arguments, generation settings, metric bindings, the plugin API version) and
more: every metric a task binds is registered and gets the reference it needs,
the sample dataset exists and its records fit the task, examples fit the input
fields, and — with ``run_examples=True`` (the default) — each task whose
fallback model is installed is built offline and its declared examples run
through the host, so an output that breaks the declaration (a missing or
mistyped field, a loose key, the wrong number of outputs) or a declared
capability the predictor lacks is reported here rather than by a user.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import pluggy

from nlpsuite.plugin_manager import PluginHost
from nlpsuite.record_checks import input_problem, normalise_record
from nlpsuite.registry import Registry
from nlpsuite.specs import (
    PLUGIN_API_VERSION,
    DatasetSpec,
    MetricSpec,
    PerturbationResult,
    PerturbationSpec,
    TaskSpec,
)

DATASET_RECORDS_CHECKED = 1000


def contract_problems(plugin: object, name: str = "plugin-under-test", *, run_examples: bool = True) -> list[str]:
    """Everything wrong with ``plugin`` as an nlpsuite plugin (empty when it keeps the contract)."""
    host = PluginHost()
    host.load_entry_points()
    if host.pm.is_registered(plugin):
        name = host.pm.get_name(plugin) or name
    else:
        host.register(plugin, name=name)
    problems: list[str] = []
    try:
        host.pm.check_pending()
    except pluggy.PluginValidationError as exc:
        problems.append(f"unknown hook: {exc}")
    if not host.hooks_of(name):
        problems.append("implements no nlpsuite hook (did you forget @hookimpl?)")
    registry = Registry(host).build()
    info = host.plugins[name]
    if info.status != "loaded":
        return [*problems, f"plugin was not loaded: {info.error}"]
    if info.api_version is None:
        problems.append(f"declares no plugin API version: add NLPSUITE_PLUGIN_API = {PLUGIN_API_VERSION!r} to the module")
    for kind, table in registry.entries.items():
        for entry in table.values():
            if entry.plugin == name:
                problems.extend(_spec_problems(entry.spec, registry))
    if run_examples and not problems:
        for entry in registry.entries["tasks"].values():
            if entry.plugin == name:
                problems.extend(_example_problems(entry.spec, registry))
    return problems


def check_plugin_contract(plugin: object, name: str = "plugin-under-test", *, run_examples: bool = True) -> None:
    """Raise ``AssertionError`` listing every contract problem of ``plugin``."""
    problems = contract_problems(plugin, name, run_examples=run_examples)
    if problems:
        raise AssertionError("plugin breaks the nlpsuite contract:\n- " + "\n- ".join(problems))


def _spec_problems(spec: Any, registry: Registry) -> list[str]:
    if isinstance(spec, TaskSpec):
        return _task_problems(spec, registry)
    if isinstance(spec, MetricSpec):
        return [] if spec.version.strip() else [f"metric {spec.name!r} has no version"]
    if isinstance(spec, DatasetSpec):
        return _dataset_problems(spec, registry)
    if isinstance(spec, PerturbationSpec):
        return _perturbation_problems(spec)
    return []


def _task_problems(spec: TaskSpec, registry: Registry) -> list[str]:
    problems = []
    if not spec.description.strip():
        problems.append(f"task {spec.name!r} has no description")
    if spec.fallback_model and spec.fallback_model not in registry.entries["models"]:
        problems.append(f"task {spec.name!r}: fallback model {spec.fallback_model!r} is not a registered model")
    for binding in spec.bindings:
        metric = registry.entries["metrics"].get(binding.metric)
        if metric is None:
            problems.append(f"task {spec.name!r}: metric {binding.metric!r} is not registered by any plugin")
        elif metric.spec.needs_reference and binding.reference_field is None:
            problems.append(f"task {spec.name!r}: metric {binding.key!r} needs a reference, but is bound to none")
    if spec.sample_dataset:
        dataset = registry.entries["datasets"].get(spec.sample_dataset)
        if dataset is None:
            problems.append(f"task {spec.name!r}: sample dataset {spec.sample_dataset!r} is not registered")
        elif dataset.spec.task != spec.name:
            problems.append(f"task {spec.name!r}: sample dataset {spec.sample_dataset!r} is for task {dataset.spec.task!r}")
    for number, example in enumerate(spec.examples, start=1):
        problem = input_problem(spec, normalise_record(spec, example))
        if problem:
            problems.append(f"task {spec.name!r}: example {number}: {problem}")
    if not spec.examples:
        problems.append(f"task {spec.name!r} declares no examples (the web demo and the docs show them)")
    if not spec.default_model and not spec.fallback_model and not spec.default_model_for:
        problems.append(f"task {spec.name!r} has neither a default nor a fallback model")
    return problems


def _example_problems(spec: TaskSpec, registry: Registry) -> list[str]:
    """Build the task on its installed fallback model (offline) and run its examples through the host."""
    from nlpsuite.errors import NlpsuiteError
    from nlpsuite.registry import set_registry
    from nlpsuite.runtime import load_task
    from nlpsuite.session import Session
    from nlpsuite.specs import CAPABILITY_PROTOCOLS, TaskOptions

    if not spec.examples or not spec.fallback_model:
        return []
    previous = set_registry(registry)
    try:
        try:
            task = load_task(spec.name, spec.fallback_model, TaskOptions(offline=True, quiet=True),
                             notify=lambda _m: None, session=Session(offline=True))
        except NlpsuiteError as exc:
            if exc.__class__.__name__ == "ModelUnavailableError":
                return []  # the fallback model is not installed here: nothing to run
            return [f"task {spec.name!r}: building it on {spec.fallback_model!r} failed: {exc.message}"]
        problems = []
        for capability in spec.capabilities:
            if not isinstance(task.predictor, CAPABILITY_PROTOCOLS[capability]):
                problems.append(f"task {spec.name!r} declares capability {capability!r}, but its predictor has no "
                                f"{capability}() method")
        outputs = task.predict([dict(e) for e in spec.examples])
        for number, output in enumerate(outputs, start=1):
            if "error" in output:
                problems.append(f"task {spec.name!r}: example {number} failed: {output['error']}")
        return problems
    finally:
        set_registry(previous)


def _dataset_problems(spec: DatasetSpec, registry: Registry) -> list[str]:
    task_entry = registry.entries["tasks"].get(spec.task)
    if task_entry is None:
        return [f"dataset {spec.name!r} is for unknown task {spec.task!r}"]
    task: TaskSpec = task_entry.spec
    required = [f.name for f in task.input_fields if f.required]
    if task.reference_field:
        required.append(task.reference_field)
    problems: list[str] = []
    ids: set[Any] = set()
    try:
        records = list(islice(spec.load(), DATASET_RECORDS_CHECKED))
    except Exception as exc:  # noqa: BLE001
        return [f"dataset {spec.name!r}: load() raised {type(exc).__name__}: {exc}"]
    if not records:
        problems.append(f"dataset {spec.name!r} is empty")
    for number, record in enumerate(records, start=1):
        missing = [f for f in ["id", *required] if f not in record]
        if missing:
            problems.append(f"dataset {spec.name!r} record {number} lacks {missing}")
            break
        if record["id"] in ids:
            problems.append(f"dataset {spec.name!r}: id {record['id']!r} appears twice")
            break
        ids.add(record["id"])
    return problems


def _perturbation_problems(spec: PerturbationSpec) -> list[str]:
    problems = []
    for direction in spec.directions or ("",):
        try:
            result = spec.apply("", direction)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"perturbation {spec.name!r}: apply('', {direction!r}) raised {type(exc).__name__}: {exc}")
            continue
        if not isinstance(result, PerturbationResult):
            problems.append(f"perturbation {spec.name!r}: apply must return PerturbationResult")
    return problems
