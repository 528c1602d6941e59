"""nlpsuite: NLP task applications on one plugin interface.

Importing this package is cheap: the public names below load on first use (PEP 562), so
``nlpsuite --help`` pays for neither pluggy nor the spec dataclasses; torch and transformers
load only when a model does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlpsuite._privacy import apply_privacy_defaults

__version__ = "0.1.0"

apply_privacy_defaults()

#: Public name → the module that defines it.
_EXPORTS = {
    "hookimpl": "nlpsuite.hookspecs",
    **{name: "nlpsuite.specs" for name in (
        "PLUGIN_API_VERSION", "CommandSpec", "DatasetSpec", "FieldSpec", "MetricBinding", "MetricResult",
        "MetricSpec", "ModelSpec", "PerturbationResult", "PerturbationSpec", "Substitution", "TaskOptions",
        "TaskSpec", "TextScore", "argument",
    )},
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nlpsuite' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # for type checkers and IDEs, which do not run __getattr__
    from nlpsuite.hookspecs import hookimpl
    from nlpsuite.specs import (
        PLUGIN_API_VERSION,
        CommandSpec,
        DatasetSpec,
        FieldSpec,
        MetricBinding,
        MetricResult,
        MetricSpec,
        ModelSpec,
        PerturbationResult,
        PerturbationSpec,
        Substitution,
        TaskOptions,
        TaskSpec,
        TextScore,
        argument,
    )
