"""nlpsuite: NLP task applications on one plugin interface.

Importing this package is cheap: torch and transformers load only when a model does.
"""

from __future__ import annotations

from nlpsuite._privacy import apply_privacy_defaults
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

__version__ = "0.1.0"

apply_privacy_defaults()

__all__ = [
    "PLUGIN_API_VERSION",
    "CommandSpec",
    "DatasetSpec",
    "FieldSpec",
    "MetricBinding",
    "MetricResult",
    "MetricSpec",
    "ModelSpec",
    "PerturbationResult",
    "PerturbationSpec",
    "Substitution",
    "TaskOptions",
    "TaskSpec",
    "TextScore",
    "__version__",
    "argument",
    "hookimpl",
]
