"""Which declared fields a task's tab shows, in which order, and how their values become one request.

The order here is the order of the tab's components and of its API endpoint's
parameters (``gradio_client`` callers pass values in :meth:`TaskForm.parameter_names` order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlpsuite.specs import FieldSpec, TaskSpec
from nlpsuite.web.model_choice import DEFAULT_MODEL_CHOICE
from nlpsuite.web.reference_scores import reference_input
from nlpsuite.web.values import from_ui

__all__ = ["DEFAULT_MODEL_CHOICE", "TaskForm", "TaskRequest"]


@dataclass(frozen=True)
class TaskRequest:
    """One prediction asked for from a tab: an input record, typed task settings and a model."""

    record: dict[str, Any]
    task_args: dict[str, Any] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)
    model: str | None = None  # the Model choice (None: the task's default); the server's policy resolves it
    reference: str | None = None  # the answer the visitor expects (tasks with reference metrics), not an input


@dataclass(frozen=True)
class TaskForm:
    """The fields of one task's tab: its inputs, its task arguments and (when declared) generation settings."""

    spec: TaskSpec

    @property
    def input_fields(self) -> list[FieldSpec]:
        return list(self.spec.input_fields)

    @property
    def reference_fields(self) -> list[FieldSpec]:
        """The optional reference box (none, or one: see :mod:`~nlpsuite.web.reference_scores`)."""
        field = reference_input(self.spec)
        return [field] if field is not None else []

    @property
    def argument_fields(self) -> list[FieldSpec]:
        inputs = {f.name for f in self.spec.input_fields}
        return [a for a in self.spec.arguments if a.name not in inputs]

    @property
    def generation_fields(self) -> list[FieldSpec]:
        return list(self.spec.generation_settings)

    @property
    def main_field(self) -> FieldSpec | None:
        """The task's main input: its first required text field (else its first field)."""
        fields = self.input_fields
        return next((f for f in fields if f.type == "text" and f.required), None) or (fields[0] if fields else None)

    def parameter_names(self) -> list[str]:
        """The endpoint's parameters, in order: input fields, the reference (when offered), task arguments,
        generation settings, then ``model``."""
        return [*(f.name for f in self.input_fields), *(f.name for f in self.reference_fields),
                *(f.name for f in self.argument_fields), *(f.name for f in self.generation_fields), "model"]

    def values_for(self, given: Mapping[str, Any]) -> list[Any]:
        """Positional endpoint values for named ones; the others as the page would send them untouched."""
        from nlpsuite.web.field_components import initial_value

        unknown = set(given) - set(self.parameter_names())
        if unknown:
            raise KeyError(f"task {self.spec.name!r} has no parameter(s) {', '.join(sorted(unknown))}")
        fields = [*self.input_fields, *self.reference_fields, *self.argument_fields, *self.generation_fields]
        values = [given[f.name] if f.name in given else initial_value(f) for f in fields]
        return [*values, given.get("model", DEFAULT_MODEL_CHOICE)]

    def request(self, values: Sequence[Any]) -> TaskRequest:
        """The request the tab's component values (in :meth:`parameter_names` order) ask for."""
        expected = len(self.parameter_names())
        if len(values) != expected:
            raise ValueError(f"task {self.spec.name!r} takes {expected} values, got {len(values)}")
        values = list(values)
        record = _typed(self.input_fields, values[: len(self.input_fields)])
        rest = values[len(self.input_fields):]
        reference = _typed(self.reference_fields, rest[: len(self.reference_fields)])
        rest = rest[len(self.reference_fields):]
        task_args = _typed(self.argument_fields, rest[: len(self.argument_fields)])
        generation = _typed(self.generation_fields, rest[len(self.argument_fields): -1])
        if self.spec.default_model_for is not None:
            # the default model may depend on these (translation: the language pair), and the host
            # picks it from task arguments; input fields are accepted as arguments
            optional = {f.name for f in self.input_fields if not f.required}
            task_args.update({k: v for k, v in record.items() if k in optional})
        return TaskRequest(record=record, task_args=task_args, generation=generation, model=_model(rest[-1]),
                           reference=next(iter(reference.values()), None))


def _typed(fields: Sequence[FieldSpec], values: Sequence[Any]) -> dict[str, Any]:
    typed = {}
    for spec_field, value in zip(fields, values):
        converted = from_ui(spec_field, value)
        if converted is not None:
            typed[spec_field.name] = converted
    return typed


def _model(choice: Any) -> str | None:
    if choice is None:
        return None
    text = str(choice).strip()
    return None if not text or text == DEFAULT_MODEL_CHOICE else text
