"""nlpsuite: NLP task applications on one plugin interface.

Importing this package is cheap: torch and transformers load only when a model does.
"""

from __future__ import annotations

from nlpsuite._privacy import apply_privacy_defaults
from nlpsuite.hookspecs import hookimpl
from nlpsuite.specs import (
    CommandSpec,
    DatasetSpec,
    FieldSpec,
    MetricResult,
    MetricSpec,
    ModelSpec,
    PerturbationResult,
    PerturbationSpec,
    Substitution,
    TaskOptions,
    TaskSpec,
)

__version__ = "0.1.0"

apply_privacy_defaults()

__all__ = [
    "CommandSpec",
    "DatasetSpec",
    "FieldSpec",
    "MetricResult",
    "MetricSpec",
    "ModelSpec",
    "PerturbationResult",
    "PerturbationSpec",
    "Substitution",
    "TaskOptions",
    "TaskSpec",
    "__version__",
    "hookimpl",
]
