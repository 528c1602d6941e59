"""Typed host functions over everything the plugins registered.

Front ends call ``get_tasks()``, ``get_task(name)``, ``get_metric(name)``, …;
nothing outside this module and the plugin manager touches ``pm.hook``.
The registry is built once per process (``get_registry``) and can be rebuilt
with ``reset_registry()`` (tests, ``nlpsuite.testing``).
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from nlpsuite.errors import UnknownNameError
from nlpsuite.plugin_manager import PluginHost, PluginInfo
from nlpsuite.specs import (
    CommandSpec,
    DatasetSpec,
    MetricSpec,
    ModelSpec,
    PerturbationSpec,
    TaskSpec,
    validate_spec,
)

SpecT = TypeVar("SpecT")

KINDS: tuple[str, ...] = ("tasks", "models", "metrics", "datasets", "perturbations", "commands")
SINGULAR = {
    "tasks": "task",
    "models": "model",
    "metrics": "metric",
    "datasets": "dataset",
    "perturbations": "perturbation",
    "commands": "command",
}


@dataclass(frozen=True)
class Registered(Generic[SpecT]):
    """A spec and the plugin that gave it."""

    spec: SpecT
    plugin: str


@dataclass
class Registry:
    host: PluginHost
    entries: dict[str, dict[str, Registered[Any]]] = field(default_factory=lambda: {k: {} for k in KINDS})

    def build(self) -> Registry:
        contributions = self._collect()
        for plugin_name, per_kind in contributions.items():
            clash = self._first_clash(plugin_name, per_kind)
            if clash:
                self.host.mark_failed(plugin_name, clash)
                continue
            for kind, specs in per_kind.items():
                for spec in specs:
                    self.entries[kind][spec.name] = Registered(spec, plugin_name)
        return self

    def _collect(self) -> dict[str, dict[str, list[Any]]]:
        """Call every registration hook per plugin; a plugin with any invalid spec contributes nothing."""
        contributions: dict[str, dict[str, list[Any]]] = {}
        for kind in KINDS:
            # call_each skips plugins already marked failed and marks those whose hook raises
            for plugin_name, specs in self.host.call_each(f"register_{kind}"):
                try:
                    for spec in specs:
                        validate_spec(kind, spec)
                    _refuse_duplicates_within(kind, specs)
                except ValueError as exc:
                    self.host.mark_failed(plugin_name, f"registered an invalid spec: {exc}")
                    continue
                contributions.setdefault(plugin_name, {})[kind] = specs
        return {name: c for name, c in contributions.items() if self.host.plugins[name].status == "loaded"}

    def _first_clash(self, plugin_name: str, per_kind: dict[str, list[Any]]) -> str | None:
        for kind, specs in per_kind.items():
            for spec in specs:
                existing = self.entries[kind].get(spec.name)
                if existing is not None:
                    return (
                        f"{SINGULAR[kind]} {spec.name!r} is registered by both plugin "
                        f"{existing.plugin!r} and plugin {plugin_name!r}; plugin {plugin_name!r} was not loaded"
                    )
        return None

    def get(self, kind: str, name: str) -> Registered[Any]:
        table = self.entries[kind]
        if name in table:
            return table[name]
        singular = SINGULAR[kind]
        close = difflib.get_close_matches(name, list(table), n=3)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        known = ", ".join(sorted(table)) or "none"
        failed = [p.name for p in self.host.plugins.values() if p.status == "failed"]
        if failed:
            hint = (hint + " " if hint else "") + f"(plugins that failed to load: {', '.join(failed)}; see `nlpsuite plugins`)"
        provider = self.host.skipped_provider(kind, name) if kind != "commands" else None
        if provider is not None:
            from nlpsuite.plugin_manager import LOAD_ENV

            selection = os.environ.get(LOAD_ENV, "")
            raise UnknownNameError(
                f"{singular} {name!r} is provided by plugin {provider!r}, which was not loaded: "
                f"{LOAD_ENV}={selection!r} leaves it out",
                hint=f"add it ({LOAD_ENV}={','.join(filter(None, [selection, provider]))}) or unset {LOAD_ENV}",
            )
        raise UnknownNameError(f"unknown {singular} {name!r}; known {kind}: {known}", hint=hint)


def _refuse_duplicates_within(kind: str, specs: Iterable[Any]) -> None:
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{SINGULAR[kind]} {dupes[0]!r} is registered twice by the same plugin")


_lock = threading.Lock()
_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built on first use from installed entry points."""
    global _registry
    with _lock:
        if _registry is None:
            host = PluginHost()
            host.load_entry_points()
            _registry = Registry(host).build()
        return _registry


def set_registry(registry: Registry | None) -> Registry | None:
    """Install a registry (tests) and return the previous one; ``None`` rebuilds lazily."""
    global _registry
    with _lock:
        previous, _registry = _registry, registry
        return previous


def reset_registry() -> None:
    set_registry(None)


def _specs(kind: str) -> list[Any]:
    return [entry.spec for entry in sorted(get_registry().entries[kind].values(), key=lambda e: e.spec.name)]


def get_tasks() -> list[TaskSpec]:
    return _specs("tasks")


def get_task(name: str) -> TaskSpec:
    return get_registry().get("tasks", name).spec


def get_models() -> list[ModelSpec]:
    return _specs("models")


def get_model_spec(name: str) -> ModelSpec:
    return get_registry().get("models", name).spec


def find_model_spec(name: str) -> ModelSpec | None:
    entry = get_registry().entries["models"].get(name)
    return entry.spec if entry else None


def get_metrics() -> list[MetricSpec]:
    return _specs("metrics")


def get_metric(name: str) -> MetricSpec:
    return get_registry().get("metrics", name).spec


def get_datasets(task: str | None = None) -> list[DatasetSpec]:
    return [d for d in _specs("datasets") if task is None or d.task == task]


def get_dataset(name: str) -> DatasetSpec:
    return get_registry().get("datasets", name).spec


def find_dataset(name: str) -> DatasetSpec | None:
    entry = get_registry().entries["datasets"].get(name)
    return entry.spec if entry else None


def get_perturbations() -> list[PerturbationSpec]:
    return _specs("perturbations")


def get_perturbation(name: str) -> PerturbationSpec:
    return get_registry().get("perturbations", name).spec


def get_commands() -> list[CommandSpec]:
    return _specs("commands")


def get_plugins() -> list[PluginInfo]:
    return sorted(get_registry().host.plugins.values(), key=lambda p: (not p.builtin, p.name))


def provider_of(kind: str, name: str) -> str:
    """The plugin that registered ``name`` (for attribution in listings and errors)."""
    return get_registry().get(kind, name).plugin
