"""Swap the process-wide registry for one built from scratch, and register plugins temporarily."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from nlpsuite.plugin_manager import PluginHost
from nlpsuite.registry import Registry, get_registry, set_registry


def build_registry(plugins: Iterable[tuple[str, object]] = (), *, entry_points: bool = True) -> Registry:
    host = PluginHost()
    if entry_points:
        host.load_entry_points()
    for name, plugin in plugins:
        host.register(plugin, name=name)
    return Registry(host).build()


@contextmanager
def fresh_registry(plugins: Iterable[tuple[str, object]] = (), *, entry_points: bool = True) -> Iterator[Registry]:
    """Use a freshly built registry inside the block; the previous one comes back after.

    ``plugins`` are ``(name, plugin object or module)`` pairs registered after
    the installed entry points (or alone with ``entry_points=False``).
    """
    registry = build_registry(plugins, entry_points=entry_points)
    previous = set_registry(registry)
    try:
        yield registry
    finally:
        set_registry(previous)


@contextmanager
def registered(plugin: object, name: str) -> Iterator[Registry]:
    """Add ``plugin`` to the installed plugins for the duration of the block."""
    current = get_registry()
    others = [
        (info.name, current.host.pm.get_plugin(info.name))
        for info in current.host.plugins.values()
        if info.distribution is None and current.host.pm.get_plugin(info.name) is not None
    ]
    with fresh_registry([*others, (name, plugin)]) as registry:
        yield registry
