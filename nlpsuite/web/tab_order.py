"""The order of the task tabs (and of the Evaluate and Audit tabs' task lists), by a declared rule.

The page opens on the first tab, so the first should be one a newcomer can try
at once and read at a glance.  Tasks are sorted by, in turn:

1. built-in tasks before those of third-party plugins;
2. tasks that answer offline (an embedded fallback model) before those that need a hub or local model;
3. tasks with declared examples before those without;
4. how quickly the result reads (from the declared output types, as :mod:`~nlpsuite.web.output_views`
   lays them out): a label with score bars, then highlighted chips, then text, then a table of numbers;
5. fewer input fields first;
6. the task name, alphabetically.

No task is named here: a task's place follows from its declarations and its plugin alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from nlpsuite.specs import TaskSpec

#: Rank of a task's first output view kind (lower: read sooner).
VIEW_RANK = {"label": 0, "chips": 1, "text": 2, "interval": 3, "table": 3}


def _builtin(spec: TaskSpec) -> bool:
    from nlpsuite.registry import get_plugins, provider_of

    try:
        plugin = provider_of("tasks", spec.name)
    except Exception:  # noqa: BLE001 - a task not in the registry (built in a test): third-party
        return False
    return any(info.name == plugin and info.builtin for info in get_plugins())


def _first_view_rank(spec: TaskSpec) -> int:
    from nlpsuite.web.output_views import plan_outputs

    kinds = [view.kind for view in plan_outputs(spec).views if view.kind in VIEW_RANK]
    return VIEW_RANK[kinds[0]] if kinds else max(VIEW_RANK.values()) + 1


def tab_order_key(spec: TaskSpec) -> tuple[bool, bool, bool, int, int, str]:
    """The sort key of the module's rule (smaller: earlier)."""
    return (not _builtin(spec), not spec.fallback_model, not spec.examples, _first_view_rank(spec),
            len(spec.input_fields), spec.name)


def ordered_tasks(specs: Iterable[TaskSpec]) -> list[TaskSpec]:
    """``specs`` in tab order."""
    return sorted(specs, key=tab_order_key)
