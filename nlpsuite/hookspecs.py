"""The nlpsuite plugin contract: every hook a plugin may implement.

A plugin is a module (or object) with functions marked ``@hookimpl`` and an
entry point in the ``nlpsuite`` group::

    [project.entry-points.nlpsuite]
    wordcount = "nlpsuite_wordcount"

Registration hooks return iterables of spec dataclasses (``nlpsuite.specs``).
The host calls each plugin's hook on its own, validates what comes back and
records which plugin gave each spec; a plugin that raises or returns an invalid
spec is listed as failed and contributes nothing, and a name two plugins
register is refused, naming both.

Front ends never call ``pm.hook`` themselves: they use the typed host
functions in :mod:`nlpsuite.registry` (``get_tasks()``, ``get_task(name)``, …).

Plugin API 1.0 and how it evolves
---------------------------------
A plugin module declares the API it was built for::

    NLPSUITE_PLUGIN_API = "1.0"

The host (``nlpsuite.specs.PLUGIN_API_VERSION``) loads plugins of the same
major version whose minor version is not newer than its own; any other is
listed by ``nlpsuite plugins`` as failed, with the versions it would need.
A plugin that declares nothing is loaded and shown as "undeclared".

Within a major version the contract only grows, never breaks:

* a hook may gain an argument; the host passes each implementation only the
  arguments it names (as pluggy does), so implementations written before keep
  working.  Hooks take no arguments today.
* a spec dataclass may gain a field, always with a default;
* a new optional capability (a method on the predictor, declared in
  ``TaskSpec.capabilities``) may be added; front ends detect it;
* removing or renaming a hook, an argument or a spec field, or changing what a
  value means, needs the next major version, announced one minor version ahead
  with a deprecation warning.
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

    Each :class:`TaskSpec` declares its input and output fields, typed arguments
    and accepted generation settings, reference field, metric bindings, optional
    capabilities (``stream``, ``score``), examples, sample dataset, default hub
    model and embedded fallback model (a name from ``register_models``), plus a
    lazy ``build`` that loads the model.  The CLI, the harness and the web demo
    are generated from these declarations.  Import heavy libraries inside
    ``build``, never at module level: listing tasks must stay fast.
    """


@hookspec
def register_models() -> Iterable[ModelSpec]:
    """Return models this plugin provides by name (e.g. an embedded offline model).

    A registered name can be passed anywhere a model reference is accepted
    (``--model NAME``) and named as a task's ``fallback_model``.
    """


@hookspec
def register_metrics() -> Iterable[MetricSpec]:
    """Return metrics (name, version, ``higher_is_better``, ``compute``, typed ``arguments``) for tasks to bind.

    A metric names no task field: each task binds it to its own prediction and
    reference fields (:class:`~nlpsuite.specs.MetricBinding`), so any task can
    reuse ``bleu`` or ``accuracy``.  A metric with ``needs_reference=False``
    (perplexity, audit statistics) is computed from predictions alone.
    """


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
