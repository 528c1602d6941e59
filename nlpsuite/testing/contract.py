"""The contract test a plugin author runs against their own plugin.

    from nlpsuite.testing import check_plugin_contract
    import my_plugin

    def test_contract():
        check_plugin_contract(my_plugin)
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import pluggy

from nlpsuite.plugin_manager import PluginHost
from nlpsuite.registry import Registry
from nlpsuite.specs import (
    DatasetSpec,
    MetricSpec,
    PerturbationResult,
    PerturbationSpec,
    TaskSpec,
)

DATASET_RECORDS_CHECKED = 1000


def contract_problems(plugin: object, name: str = "plugin-under-test") -> list[str]:
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
    for kind, table in registry.entries.items():
        for entry in table.values():
            if entry.plugin == name:
                problems.extend(_spec_problems(entry.spec, registry))
    return problems


def check_plugin_contract(plugin: object, name: str = "plugin-under-test") -> None:
    """Raise ``AssertionError`` listing every contract problem of ``plugin``."""
    problems = contract_problems(plugin, name)
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
        entry = registry.entries["metrics"].get(binding.metric)
        if entry is None:
            problems.append(f"task {spec.name!r}: metric {binding.metric!r} is not registered by any plugin")
        elif entry.spec.needs_reference and binding.reference_field is None:
            # a metric that needs no reference (perplexity) may be bound without one
            problems.append(f"task {spec.name!r}: metric {binding.key!r} compares with references, but the task "
                            "has no reference_field to score against")
    if not spec.default_model and not spec.fallback_model and not spec.default_model_for:
        problems.append(f"task {spec.name!r} has neither a default nor a fallback model")
    return problems


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
