"""Match reference labels to the labels a model produces, so a naming mismatch never scores 0.

References written ``pos``/``neg``, ``1``/``0`` or ``POSITIVE`` against a model
that says ``positive`` used to give accuracy 0.0 with exit 0.  Before label
metrics are computed:

1. the user's ``--label-map REF=MODEL,...`` is applied;
2. each remaining reference label the model never produces is mapped when
   exactly one model label matches it: same text ignoring case, or the same
   sentiment class among the synonyms ``pos``/``positive`` and ``neg``/``negative``;
   ``1``/``0`` map to positive/negative only when the references hold exactly
   those two labels and the model has exactly one label of each class;
3. if afterwards no reference label is one the model produces, scoring is
   refused with the two label sets side by side (every prediction would be
   wrong by construction).

The model's labels are the labels it predicted plus, for tasks that take their
candidate labels as input (``labels`` fields), every candidate.  Only reference
values are mapped; samples.jsonl keeps them as written, and results.json
records the mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.evaluation.sample_columns import SampleColumns

_POSITIVE = {"pos", "positive"}
_NEGATIVE = {"neg", "negative"}
_BINARY_DIGITS = {"1": _POSITIVE, "0": _NEGATIVE}
_SHOW = 12


class LabelMismatchError(InputError):
    """No reference label is a label the model produces, and no mapping is unambiguous."""


@dataclass(frozen=True)
class LabelAlignment:
    """How reference labels were matched to the model's labels for one prediction field."""

    field: str
    reference_labels: list[str]
    model_labels: list[str]
    mapping: dict[str, str] = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)
    candidates_known: bool = False

    @property
    def automatic(self) -> dict[str, str]:
        return {k: v for k, v in self.mapping.items() if k not in self.given}

    def reference(self, value: Any) -> Any:
        """The reference as scored: mapped when its label is in the mapping."""
        return map_reference(value, self.mapping)

    def never_predictable(self) -> list[str]:
        """Reference labels (after mapping) outside the candidate labels the model chooses from."""
        if not self.candidates_known:
            return []
        model = set(self.model_labels)
        return sorted({self.mapping.get(r, r) for r in self.reference_labels} - model)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "mapping": dict(self.mapping),
            "given": dict(self.given),
            "automatic": self.automatic,
            "reference_labels": list(self.reference_labels),
            "model_labels": list(self.model_labels),
        }


def map_reference(value: Any, mapping: Mapping[str, str]) -> Any:
    """``value`` as scored under ``mapping`` (labels compare as strings, so ``1`` is mapped by ``"1"``)."""
    if value is None or isinstance(value, (list, dict)):
        return value
    return mapping.get(str(value), value)


def with_mapped_references(samples: SampleColumns, mapping: Mapping[str, str]) -> SampleColumns:
    """``samples`` with references as scored under ``mapping`` (the stored references are left as written)."""
    if not mapping:
        return samples
    return replace(samples, references=[map_reference(r, mapping) for r in samples.references])


def recorded_mappings(results: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The label mapping per prediction field that a run was scored with (results.json ``labels``)."""
    labels = results.get("labels") or {}
    return {name: dict(entry.get("mapping") or {}) for name, entry in labels.items() if isinstance(entry, Mapping)}


def parse_label_map(text: str | None) -> dict[str, str]:
    """``"pos=positive,neg=negative"`` → ``{"pos": "positive", "neg": "negative"}`` (``--label-map``)."""
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        reference, sep, model = (part.strip() for part in item.partition("="))
        if not sep or not reference or not model:
            raise UsageError(f"--label-map item {item!r} is not REFERENCE=MODEL",
                             hint="e.g. --label-map pos=positive,neg=negative")
        if reference in mapping and mapping[reference] != model:
            raise UsageError(f"--label-map maps {reference!r} twice ({mapping[reference]!r} and {model!r})",
                             hint="give each reference label once")
        mapping[reference] = model
    return mapping


def _listing(labels: Iterable[str]) -> str:
    labels = sorted(labels)
    shown = ", ".join(repr(label) for label in labels[:_SHOW])
    return (shown + (f" and {len(labels) - _SHOW} more" if len(labels) > _SHOW else "")) or "none"


def _class_of(label: str) -> set[str] | None:
    folded = label.strip().casefold()
    for group in (_POSITIVE, _NEGATIVE):
        if folded in group:
            return group
    return None


def _automatic_match(label: str, model: Sequence[str], references: set[str]) -> str | None:
    """The one model label ``label`` unambiguously names, or ``None``."""
    folded = label.strip().casefold()
    same_case = [m for m in model if m.strip().casefold() == folded]
    if len(same_case) == 1:
        return same_case[0]
    if same_case:
        return None
    group = _class_of(label)
    if group is None and label.strip() in _BINARY_DIGITS and references == set(_BINARY_DIGITS):
        group = _BINARY_DIGITS[label.strip()]
        model_classes = [_class_of(m) for m in model]
        if model_classes.count(_POSITIVE) != 1 or model_classes.count(_NEGATIVE) != 1:
            return None
    if group is None:
        return None
    in_group = [m for m in model if _class_of(m) is group]
    return in_group[0] if len(in_group) == 1 else None


def align_labels(
    field_name: str,
    references: Sequence[Any],
    predictions: Sequence[Any],
    *,
    candidates: Iterable[str] = (),
    given: Mapping[str, str] | None = None,
) -> LabelAlignment | None:
    """Match reference labels to the model's; ``None`` when there is nothing to compare yet.

    ``predictions`` holds the predicted label per sample (``None`` for a failed
    sample); ``candidates`` the labels the model chose from, when the task takes
    them as input.  Raises :class:`LabelMismatchError` when no reference label
    can be matched, and :class:`UsageError` when ``given`` names a reference
    label no sample holds.
    """
    given = dict(given or {})
    refs = sorted({str(r) for r in references if r is not None and not isinstance(r, (list, dict))})
    candidates = {str(c) for c in candidates}
    model = sorted({str(p) for p in predictions if p is not None and not isinstance(p, (list, dict))} | candidates)
    unknown_given = sorted(set(given) - set(refs))
    if unknown_given:
        raise UsageError(
            f"--label-map names reference label(s) {_listing(unknown_given)}, which no sample holds",
            hint=f"the reference labels are: {_listing(refs)}",
        )
    if not model or not refs:
        return LabelAlignment(field_name, refs, model, dict(given), given, bool(candidates)) if given else None
    mapping = dict(given)
    model_set = set(model)
    ref_set = set(refs)
    for label in refs:
        if label in mapping or label in model_set:
            continue
        match = _automatic_match(label, model, ref_set)
        if match is not None:
            mapping[label] = match
    scored = {mapping.get(r, r) for r in refs}
    if not scored & model_set:
        raise LabelMismatchError(
            f"no reference label is a label the model produces, so every prediction would count as wrong "
            f"(field {field_name!r}):\n    reference labels: {_listing(refs)}\n    model labels:     {_listing(model)}",
            hint="map them with --label-map REFERENCE=MODEL,... (e.g. --label-map "
            + ",".join(f"{r}={m}" for r, m in zip(refs[:2], model[:2]))
            + "), or check that the dataset and the task's labels belong together",
        )
    return LabelAlignment(field_name, refs, model, mapping, given, bool(candidates))


def alignment_warnings(alignment: LabelAlignment) -> list[str]:
    """What a user must be told about ``alignment``: automatic mappings and labels that can never be right."""
    warnings = []
    if alignment.automatic:
        pairs = ", ".join(f"{r!r} -> {m!r}" for r, m in sorted(alignment.automatic.items()))
        warnings.append(
            f"reference labels were mapped to the model's labels ({pairs}) because the model never produces "
            f"them as written; pass --label-map to set the mapping yourself"
        )
    impossible = alignment.never_predictable()
    if impossible:
        warnings.append(
            f"reference label(s) {_listing(impossible)} can never be predicted: the model chooses among "
            f"{_listing(alignment.model_labels)}; those samples count as wrong"
        )
    return warnings
