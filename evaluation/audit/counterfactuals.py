"""Counterfactual variants of a dataset: each input, swapped by each perturbation direction.

A variant's id is ``<original id>~<perturbation>:<direction>`` (e.g.
``17~gender:male->female``), so variants sit in the prediction cache next to
their originals and a rerun reuses both.  Ids are data: when a user's ids make
that form ambiguous (an id that is itself ``17~gender:male->female``, or two
variants of that one name), every variant of the dataset is named by the JSON
list ``["~", original id, perturbation, direction]`` instead (more ``~`` while
even that is a user's id), which never equals an original id nor another variant's.  Every text input field is perturbed;
a text reference (summaries, translations) is perturbed with the same
direction so that the task's metric still compares like with like (label
references are left alone).  An input a direction finds nothing to swap in gets
no variant for it; an input no direction of a perturbation changes is counted
as skipped for that perturbation and never scored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nlpsuite.specs import PerturbationSpec, Substitution, TaskSpec

VARIANT_SEPARATOR = "~"


def variant_id(original_id: str, perturbation: str, direction: str) -> str:
    return f"{original_id}{VARIANT_SEPARATOR}{perturbation}:{direction}"


def unambiguous_variant_ids(keys: Sequence[tuple[str, str, str]], original_ids: set[str]) -> list[str]:
    """An id per ``(original id, perturbation, direction)``: the readable :func:`variant_id` when those are
    distinct and none is an original id, else distinct JSON lists that no original id equals."""
    readable = [variant_id(*key) for key in keys]
    if len(set(readable)) == len(readable) and original_ids.isdisjoint(readable):
        return readable
    marker = VARIANT_SEPARATOR
    while True:
        encoded = [json.dumps([marker, *key], ensure_ascii=False) for key in keys]  # injective over keys
        if original_ids.isdisjoint(encoded):
            return encoded
        marker += VARIANT_SEPARATOR


def input_directions(spec: PerturbationSpec) -> list[str]:
    """Directions a perturbation applies to inputs: those without an ``@LANG`` suffix."""
    return [d for d in spec.directions if "@" not in d]


def split_direction(direction: str) -> tuple[str, str] | None:
    """``"male->female"`` → (``"male"``, ``"female"``); ``None`` when not of the form ``A->B``."""
    source, sep, target = direction.partition("->")
    return (source, target) if sep and source and target else None


def reverse_direction(spec: PerturbationSpec, direction: str) -> str | None:
    parts = split_direction(direction)
    if parts is None:
        return None
    reverse = f"{parts[1]}->{parts[0]}"
    return reverse if reverse in spec.directions else None


def groups_of(spec: PerturbationSpec) -> list[str]:
    """The perturbation's groups: declared, else read from its directions (``A->B``)."""
    if spec.groups:
        return list(spec.groups)
    found: list[str] = []
    for direction in input_directions(spec):
        for group in split_direction(direction) or ():
            if group not in found:
                found.append(group)
    return found


def direction_for_language(spec: PerturbationSpec, direction: str, language: str | None) -> str | None:
    """The direction to apply to text in ``language``: ``dir@lang`` when listed; the plain direction when the
    perturbation lists no language variants (language-independent, e.g. names) or ``language`` is the input's;
    ``None`` when it has variants but not this one."""
    if language is None:
        return direction
    tagged = f"{direction}@{language}"
    if tagged in spec.directions:
        return tagged
    if not any("@" in d for d in spec.directions):
        return direction
    return None


@dataclass
class FieldSwap:
    """What one direction changed in one field (input field or the reference)."""

    field: str
    substitutions: list[Substitution]

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "substitutions": [
            {"start": s.start, "end": s.end, "original": s.original, "replacement": s.replacement}
            for s in self.substitutions]}


@dataclass
class Variant:
    original_id: str
    id: str
    perturbation: str
    direction: str
    source_group: str
    target_group: str
    input: dict[str, Any]
    references: Any
    swaps: list[FieldSwap]

    @property
    def n_substitutions(self) -> int:
        return sum(len(s.substitutions) for s in self.swaps if s.field != "(reference)")


@dataclass
class VariantSet:
    variants: list[Variant] = field(default_factory=list)
    #: {perturbation: {direction: number of inputs it changed}}
    changed: dict[str, dict[str, int]] = field(default_factory=dict)
    #: {perturbation: number of inputs none of its directions changed}
    skipped: dict[str, int] = field(default_factory=dict)
    n_inputs: int = 0

    def originals(self) -> set[str]:
        return {v.original_id for v in self.variants}


def _perturb_value(spec: PerturbationSpec, value: Any, direction: str) -> tuple[Any, list[Substitution]]:
    if isinstance(value, str):
        result = spec.apply(value, direction)
        return result.text, list(result.substitutions)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        texts, subs = [], []
        for item in value:
            result = spec.apply(item, direction)
            texts.append(result.text)
            subs.extend(result.substitutions)
        return texts, subs
    return value, []


def make_variants(
    task: TaskSpec,
    samples: Sequence[Mapping[str, Any]],
    perturbations: Sequence[PerturbationSpec],
    *,
    reference_language: str | None = None,
) -> VariantSet:
    """Variants of ``samples`` (``{"id", "input", "references"}``) for every input direction of each perturbation.

    ``reference_language`` is the language of text references (the output
    language); references are swapped with the direction for that language,
    and left as they are when the perturbation has no word list for it.
    """
    text_fields = [f.name for f in task.input_fields if f.type in ("text", "text_list")]
    text_reference = _reference_is_text(task)
    out = VariantSet(n_inputs=len(samples))
    for spec in perturbations:
        directions = input_directions(spec)
        out.changed[spec.name] = {d: 0 for d in directions}
        touched: set[str] = set()
        for sample in samples:
            for direction in directions:
                new_input = dict(sample["input"])
                swaps: list[FieldSwap] = []
                for name in text_fields:
                    if name not in new_input:
                        continue
                    new_value, subs = _perturb_value(spec, new_input[name], direction)
                    if subs:
                        new_input[name] = new_value
                        swaps.append(FieldSwap(name, subs))
                if not swaps:
                    continue
                references = sample.get("references")
                reference_direction = direction_for_language(spec, direction, reference_language)
                if text_reference and references is not None and reference_direction is not None:
                    references, subs = _perturb_value(spec, references, reference_direction)
                    if subs:
                        swaps.append(FieldSwap("(reference)", subs))
                parts = split_direction(direction) or (direction, direction)
                out.variants.append(Variant(
                    original_id=str(sample["id"]), id=variant_id(str(sample["id"]), spec.name, direction),
                    perturbation=spec.name, direction=direction, source_group=parts[0], target_group=parts[1],
                    input=new_input, references=references, swaps=swaps,
                ))
                out.changed[spec.name][direction] += 1
                touched.add(str(sample["id"]))
        out.skipped[spec.name] = len(samples) - len(touched)
    ids = unambiguous_variant_ids([(v.original_id, v.perturbation, v.direction) for v in out.variants],
                                  {str(s["id"]) for s in samples})
    out.variants = [replace(v, id=new_id) for v, new_id in zip(out.variants, ids)]
    return out


def _reference_is_text(task: TaskSpec) -> bool:
    """Whether the task's references are text (perturbed with inputs) rather than labels or numbers."""
    if not task.reference_field:
        return False
    declared = task.output_field(task.reference_field)
    if declared is not None:
        return declared.type in ("text", "text_list")
    primary = task.output_fields[0] if task.output_fields else None
    return primary is not None and primary.type in ("text", "text_list")
