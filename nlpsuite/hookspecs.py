"""The nlpsuite plugin contract: every hook a plugin may implement.

A plugin is a module (or object) with functions marked ``@hookimpl`` and an
entry point in the ``nlpsuite`` group::

    [project.entry-points.nlpsuite]
    wordcount = "nlpsuite_wordcount"

Registration hooks return iterables of spec dataclasses (``nlpsuite.specs``).
The host calls each plugin's hook on its own, validates what comes back and
records which plugin gave each spec; a plugin that raises or returns an invalid
spec is listed as failed and contributes nothing, and a name two plugins
register is refused, naming both.  Hooks take no arguments unless stated, so
new optional arguments can be added later without breaking plugins.

Front ends never call ``pm.hook`` themselves: they use the typed host
functions in :mod:`nlpsuite.registry` (``get_tasks()``, ``get_task(name)``, …).
"""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from nlpsuite.specs import CommandSpec, DatasetSpec, MetricSpec, ModelSpec, PerturbationSpec, TaskSpec

PROJECT_NAME = "nlpsuite"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_tasks() -> Iterable[TaskSpec]:
    """Return the tasks this plugin provides.

    Each :class:`TaskSpec` declares its input/output fields, reference field,
    default hub model, embedded fallback model (a name from ``register_models``)
    and metric names, plus a lazy ``build`` that loads the model.  Import heavy
    libraries inside ``build``, never at module level: listing tasks must stay fast.
    """


@hookspec
def register_models() -> Iterable[ModelSpec]:
    """Return models this plugin provides by name (e.g. an embedded offline model).

    A registered name can be passed anywhere a model reference is accepted
    (``--model NAME``) and named as a task's ``fallback_model``.
    """


@hookspec
def register_metrics() -> Iterable[MetricSpec]:
    """Return metrics (name, version, ``higher_is_better``, ``compute``) for tasks to name."""


@hookspec
def register_datasets() -> Iterable[DatasetSpec]:
    """Return named datasets with lazy loaders; ``nlpsuite eval --dataset NAME`` finds them."""


@hookspec
def register_perturbations() -> Iterable[PerturbationSpec]:
    """Return counterfactual perturbations (e.g. gender-term swaps) that bias audits apply."""


@hookspec
def register_commands() -> Iterable[CommandSpec]:
    """Return extra CLI subcommands; each ``CommandSpec`` configures an argparse parser and runs it."""


#: Hook names a plugin may implement, in the order ``nlpsuite plugins`` shows them.
REGISTRATION_HOOKS: tuple[str, ...] = (
    "register_tasks",
    "register_models",
    "register_metrics",
    "register_datasets",
    "register_perturbations",
    "register_commands",
)
