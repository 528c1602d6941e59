"""Discovers plugins through the ``nlpsuite`` entry-point group and isolates their failures.

Rules (learnt from llm, datasette, pytest and conda):

* built-in plugins come through the same entry-point group as third-party ones;
* each entry point loads in its own try/except: a broken plugin is listed as
  failed with its error and everything else keeps working;
* ``NLPSUITE_STRICT_PLUGINS=1`` makes any such failure fatal (and runs
  ``check_pending`` so a misspelt hook is not silently ignored);
* ``NLPSUITE_LOAD_PLUGINS=a,b`` loads only the named third-party plugins
  (empty: built-ins only); ``NLPSUITE_TRACE_PLUGINS=1`` traces every entry-point
  load and hook call (plugin, hook, what it returned, how long it took) on stderr;
* a plugin declares the plugin API it was built for (``NLPSUITE_PLUGIN_API``);
  one built for an incompatible API is listed as failed, saying which it needs;
* nothing a plugin does while loading or registering can take the host down or
  write to its stdout (which carries JSON): any exception — ``SystemExit`` and
  ``KeyboardInterrupt`` included — marks the plugin failed, and what it prints
  is moved to stderr.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from nlpsuite import hookspecs
from nlpsuite.errors import PluginError
from nlpsuite.specs import PLUGIN_API_VERSION

#: The module attribute in which a plugin declares the plugin API it was built for.
API_ATTRIBUTE = "NLPSUITE_PLUGIN_API"

ENTRY_POINT_GROUP = "nlpsuite"
BUILTIN_DISTRIBUTION = "nlpsuite"
STRICT_ENV = "NLPSUITE_STRICT_PLUGINS"
LOAD_ENV = "NLPSUITE_LOAD_PLUGINS"
TRACE_ENV = "NLPSUITE_TRACE_PLUGINS"


@dataclass
class PluginInfo:
    """What ``nlpsuite plugins`` shows for one plugin."""

    name: str
    distribution: str | None
    version: str | None
    builtin: bool
    status: str = "loaded"  # loaded | failed | skipped
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    module: str | None = None
    api_version: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def api_compatible(self) -> bool | None:
        """Whether the declared API fits this host (``None``: the plugin declares none)."""
        return None if self.api_version is None else api_problem(self.api_version) is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "builtin": self.builtin,
            "status": self.status,
            "error": self.error,
            "hooks": list(self.hooks),
            "module": self.module,
            "api_version": self.api_version,
            "api_compatible": self.api_compatible,
            "problems": list(self.problems),
        }


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def strict_mode() -> bool:
    return _flag(STRICT_ENV)


def _allowed_third_party() -> set[str] | None:
    """``None`` means all; a set limits third-party plugins to those names."""
    raw = os.environ.get(LOAD_ENV)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def api_problem(declared: Any) -> str | None:
    """Why a plugin built for API ``declared`` cannot load here, or ``None`` when it can (a plugin that
    declares no version, ``None``, is loaded as built for this one)."""
    if declared is None:
        return None
    host_major, host_minor = (int(p) for p in PLUGIN_API_VERSION.split("."))
    try:
        major_text, _, minor_text = str(declared).strip().partition(".")
        major, minor = int(major_text), int(minor_text or 0)
    except ValueError:
        return f"declares {API_ATTRIBUTE} = {declared!r}, which is not a version such as '1.0'"
    if major != host_major or minor > host_minor:
        return (f"was built for nlpsuite plugin API {declared}, but this nlpsuite implements {PLUGIN_API_VERSION} "
                f"(it loads plugins built for {host_major}.0 to {PLUGIN_API_VERSION})")
    return None


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Plugin code may print; our stdout carries JSON, so its output goes to stderr."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


def _describe_error(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


class PluginHost:
    """A pluggy manager plus the load record of every plugin it saw."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.tracing = _flag(TRACE_ENV)

    def trace(self, message: str) -> None:
        if self.tracing:
            print(f"nlpsuite: trace: {message}", file=sys.stderr)

    # -- loading ---------------------------------------------------------------
    def load_entry_points(self, entry_points: Iterable[metadata.EntryPoint] | None = None) -> None:
        if entry_points is None:
            entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        allowed = _allowed_third_party()
        seen: dict[str, str | None] = {}
        ordered = sorted(entry_points, key=lambda ep: (not _is_builtin(ep), ep.name))
        for ep in ordered:
            distribution, version = _dist_of(ep)
            if ep.name in seen:
                if seen[ep.name] != distribution:  # another package's entry point under a name already taken
                    self._refuse_shadowing(ep, seen[ep.name])
                continue  # else the same distribution visible twice on sys.path
            seen[ep.name] = distribution
            info = PluginInfo(
                name=ep.name,
                distribution=distribution,
                version=version,
                builtin=_is_builtin(ep),
                module=ep.value,
            )
            self.plugins[ep.name] = info
            if not info.builtin and allowed is not None and ep.name not in allowed and info.distribution not in allowed:
                info.status = "skipped"
                info.error = f"not listed in {LOAD_ENV}"
                continue
            began = time.perf_counter()
            try:
                with stdout_to_stderr():
                    plugin = ep.load()
                info.api_version = _declared_api(plugin)
                problem = api_problem(info.api_version)
                if problem:
                    self.mark_failed(ep.name, problem)
                    continue
                self.pm.register(plugin, name=ep.name)
            except BaseException as exc:  # noqa: BLE001 - a plugin may fail in any way, SystemExit included
                if isinstance(exc, PluginError):
                    raise
                self.mark_failed(ep.name, f"failed to load: {_describe_error(exc)}")
                continue
            finally:
                self.trace(f"loaded entry point {ep.name} = {ep.value} in {1000 * (time.perf_counter() - began):.1f} ms")
            info.hooks = self.hooks_of(ep.name)
        if strict_mode():
            self.check_pending()

    def _refuse_shadowing(self, ep: metadata.EntryPoint, holder: str | None) -> None:
        distribution, version = _dist_of(ep)
        name = f"{distribution or '?'}:{ep.name}"
        self.plugins[name] = PluginInfo(name=name, distribution=distribution, version=version, builtin=False,
                                        module=ep.value)
        self.mark_failed(name, f"its entry point {ep.name!r} has the name of plugin {ep.name!r} from "
                               f"{holder or 'another distribution'}; it was not loaded (rename the entry point)")

    def register(self, plugin: object, name: str, *, version: str | None = None) -> None:
        """Register an in-process plugin object (tests, notebooks)."""
        api_version = _declared_api(plugin)
        problem = api_problem(api_version)
        if problem:
            raise PluginError(f"plugin {name!r} {problem}", hint="install a version of the plugin built for this nlpsuite")
        self.pm.register(plugin, name=name)
        self.plugins[name] = PluginInfo(
            name=name, distribution=None, version=version, builtin=False, hooks=self.hooks_of(name),
            api_version=api_version,
        )

    def unregister(self, name: str) -> None:
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin, name=name)
        self.plugins.pop(name, None)

    def hooks_of(self, name: str) -> list[str]:
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return []
        return [caller.name for caller in self.pm.get_hookcallers(plugin) or []]

    def check_pending(self) -> None:
        """Fail on hook implementations that match no hook spec (misspelt hooks)."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self.pm.get_name(exc.plugin) or repr(exc.plugin)
            raise PluginError(
                f"plugin {name!r} implements an unknown hook: {exc}",
                hint="check the hook's spelling against nlpsuite/hookspecs.py",
            ) from exc

    def skipped_provider(self, kind: str, name: str) -> str | None:
        """The plugin that ``NLPSUITE_LOAD_PLUGINS`` left out and that registers ``name`` of ``kind`` (``tasks``…),
        or ``None``.  Only asked after a name was not found: it imports the skipped plugins and calls their
        ``register_<kind>`` hook without registering anything, each failure ignored."""
        import importlib

        for info in self.plugins.values():
            if info.status != "skipped" or not info.module:
                continue
            module_name, _, attribute = info.module.partition(":")
            try:
                with stdout_to_stderr():
                    plugin: Any = importlib.import_module(module_name)
                    for part in filter(None, attribute.split(".")):
                        plugin = getattr(plugin, part)
                    hook = getattr(plugin, f"register_{kind}", None)
                    specs = list(hook() or []) if callable(hook) else []
            except BaseException:  # noqa: BLE001 - a probe of a plugin the user left out must not fail the error
                continue
            if any(getattr(spec, "name", None) == name for spec in specs):
                return info.name
        return None

    def mark_failed(self, name: str, error: str) -> None:
        info = self.plugins.setdefault(name, PluginInfo(name=name, distribution=None, version=None, builtin=False))
        info.status = "failed"
        info.error = error
        if strict_mode():
            raise PluginError(
                f"plugin {name!r} {error}",
                hint=f"fix or uninstall the plugin, or unset {STRICT_ENV} to skip failed plugins",
            )

    def note_problem(self, name: str, problem: str) -> None:
        """Record a problem with a loaded plugin that did not stop it (shown by ``nlpsuite plugins``)."""
        info = self.plugins.get(name)
        if info is not None:
            info.problems.append(problem)
        print(f"nlpsuite: warning: plugin {name!r}: {problem}", file=sys.stderr)

    # -- calling hooks ---------------------------------------------------------
    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, list[Any]]]:
        """Call ``hook_name`` on every loaded plugin separately: [(plugin name, results)].

        Each implementation gets only the keyword arguments it names (as pluggy
        does), so a hook can gain an optional argument without breaking plugins
        written before it.  A plugin whose hook raises anything is marked failed
        and left out; what it prints goes to stderr.
        """
        results: list[tuple[str, list[Any]]] = []
        hook = getattr(self.pm.hook, hook_name)
        # Load order (built-ins first, then third-party by name) decides who keeps a clashing name.
        order = {name: index for index, name in enumerate(self.plugins)}
        impls = sorted(hook.get_hookimpls(), key=lambda impl: order.get(impl.plugin_name, len(order)))
        for impl in impls:
            name = impl.plugin_name
            if self.plugins.get(name) and self.plugins[name].status != "loaded":
                continue
            began = time.perf_counter()
            try:
                missing = [a for a in impl.argnames if a not in kwargs]
                if missing:
                    raise TypeError(f"{hook_name} takes no argument {missing[0]!r} (see nlpsuite/hookspecs.py)")
                with stdout_to_stderr():
                    returned = impl.function(*(kwargs[a] for a in impl.argnames))
                    items = [] if returned is None else list(returned)
            except BaseException as exc:  # noqa: BLE001 - SystemExit from a plugin must not end the host
                if isinstance(exc, PluginError):
                    raise
                self.mark_failed(name, f"{hook_name} raised {_describe_error(exc)}")
                continue
            finally:
                self.trace(f"{name}.{hook_name}() in {1000 * (time.perf_counter() - began):.1f} ms")
            self.trace(f"{name}.{hook_name}() returned {len(items)}: {', '.join(_spec_name(i) for i in items)}")
            results.append((name, items))
        return results


def _spec_name(item: Any) -> str:
    return str(getattr(item, "name", type(item).__name__))


def _declared_api(plugin: object) -> str | None:
    value = getattr(plugin, API_ATTRIBUTE, None)
    return None if value is None else str(value)


def _is_builtin(ep: metadata.EntryPoint) -> bool:
    distribution, _ = _dist_of(ep)
    return distribution is not None and distribution.lower() == BUILTIN_DISTRIBUTION


_dist_cache: dict[str, tuple[str | None, str | None]] = {}


def _dist_of(ep: metadata.EntryPoint) -> tuple[str | None, str | None]:
    """(distribution name, version) of an entry point, its METADATA parsed once per distribution:
    every ``dist.name``/``dist.version`` reparses the file, which dominated ``nlpsuite --help``."""
    if ep.dist is None:
        return None, None
    key = str(getattr(ep.dist, "_path", id(ep.dist)))
    if key not in _dist_cache:
        meta = ep.dist.metadata
        _dist_cache[key] = (meta["Name"], meta["Version"])
    return _dist_cache[key]
