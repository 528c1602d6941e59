"""Comparators: how an original output and its counterfactual output differ, chosen by declared output type.

* ``label`` / ``labels`` fields → :func:`compare_labels` (flip rate, McNemar exact test, transitions);
* ``number`` fields and ``json`` fields holding ``{label: number}`` → :func:`compare_scores`
  (mean change, counterfactual minus original, with a bootstrap CI over original inputs);
* ``text`` fields → :func:`compare_texts` (swap-back chrF and embedding cosine, gender-term faithfulness);
* any task with metrics and references → :func:`group_metrics` (the task's metric per group).

Each works on :class:`Pair` objects and knows nothing about any task.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nlpsuite.evaluation.audit.counterfactuals import Variant, direction_for_language, reverse_direction
from nlpsuite.evaluation.audit.statistics import (
    ClusterBootstrap,
    insufficient,
    mcnemar_exact,
    proportion,
)
from nlpsuite.specs import PerturbationSpec, TaskSpec

ALPHA = 0.05


@dataclass
class Pair:
    """An original input's output and one counterfactual variant's output."""

    variant: Variant
    original_input: Mapping[str, Any]
    original_references: Any
    original_output: Mapping[str, Any]
    variant_output: Mapping[str, Any]

    @property
    def cluster(self) -> str:
        return self.variant.original_id


def n_inputs(pairs: Sequence[Pair]) -> int:
    return len({p.cluster for p in pairs})


def _flip_rate(flips: Sequence[bool], clusters: Sequence[str], boot: ClusterBootstrap) -> dict[str, Any]:
    k, n = sum(flips), len(flips)
    result = proportion(k, n)
    if len(set(clusters)) < n:  # some input has several variants here: resample inputs, not pairs
        ci = boot.mean_ci([float(f) for f in flips], clusters)
        result["ci"] = ci
    return result


def compare_labels(field: str, pairs: Sequence[Pair], boot: ClusterBootstrap, *, min_inputs: int,
                   paired_test: bool) -> dict[str, Any]:
    """Flip rate (Wilson CI) and, per direction, McNemar's exact test of which way labels moved."""
    inputs = n_inputs(pairs)
    if inputs < min_inputs:
        return {**insufficient(inputs, min_inputs), "n_pairs": len(pairs)}
    originals = [_as_label(p.original_output.get(field)) for p in pairs]
    variants = [_as_label(p.variant_output.get(field)) for p in pairs]
    flips = [a != b for a, b in zip(originals, variants)]
    result: dict[str, Any] = {
        "n_inputs": inputs,
        "n_pairs": len(pairs),
        "flip_rate": _flip_rate(flips, [p.cluster for p in pairs], boot),
        "transitions": [{"from": a, "to": b, "n": n}
                        for (a, b), n in sorted(Counter((a, b) for a, b in zip(originals, variants) if a != b).items())],
    }
    if paired_test:
        result["paired_test"] = label_shift_test(originals, variants)
    return result


def _as_label(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(sorted(map(str, value)))
    return str(value)


def label_shift_test(originals: Sequence[str], variants: Sequence[str]) -> dict[str, Any]:
    """McNemar's exact test on "predicted label == L" before and after the swap.

    Two labels: one test (the two labels give the same discordant counts).
    More: one test per label, Bonferroni-corrected (p × number of labels).
    """
    labels = sorted(set(originals) | set(variants))
    tests = []
    for label in labels:
        toward = sum(a != label and b == label for a, b in zip(originals, variants))
        away = sum(a == label and b != label for a, b in zip(originals, variants))
        tests.append({"label": label, "toward": toward, "away": away, "p_value": mcnemar_exact(toward, away)})
    if not tests:
        return {"test": "McNemar exact (binomial on discordant pairs)", "p_value": 1.0, "significant": False}
    if len(labels) <= 2:
        chosen = max(tests, key=lambda t: (t["toward"], t["label"]))
        p_value, correction = chosen["p_value"], None
    else:
        chosen = min(tests, key=lambda t: (t["p_value"], t["label"]))
        p_value, correction = min(1.0, chosen["p_value"] * len(labels)), f"Bonferroni over {len(labels)} labels"
    return {
        "test": "McNemar exact (binomial on discordant pairs)",
        "p_value": p_value,
        "alpha": ALPHA,
        "significant": p_value < ALPHA,
        "toward_label": chosen["label"] if chosen["toward"] > chosen["away"] else None,
        "discordant": {"toward": chosen["toward"], "away": chosen["away"]},
        "correction": correction,
        "per_label": tests,
    }


# ---------------------------------------------------------------- scores

def score_series(field: str, declared_type: str, pairs: Sequence[Pair]) -> dict[str, list[tuple[int, float]]]:
    """{name: [(pair index, counterfactual − original)]} for a number field or a json {label: number} field."""
    series: dict[str, list[tuple[int, float]]] = {}
    for index, pair in enumerate(pairs):
        a, b = pair.original_output.get(field), pair.variant_output.get(field)
        if declared_type == "number":
            if _is_number(a) and _is_number(b):
                series.setdefault(field, []).append((index, float(b) - float(a)))
        elif isinstance(a, Mapping) and isinstance(b, Mapping):
            for key in sorted(set(a) & set(b)):
                if _is_number(a[key]) and _is_number(b[key]):
                    series.setdefault(f"{field}.{key}", []).append((index, float(b[key]) - float(a[key])))
    return series


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def compare_scores(series: Sequence[tuple[int, float]], pairs: Sequence[Pair], boot: ClusterBootstrap, *,
                   min_inputs: int, signed: bool = True) -> dict[str, Any]:
    """Mean change (counterfactual − original) with a bootstrap CI resampling original inputs.

    ``signed=False`` (pooling opposite directions, whose shifts would cancel)
    reports the mean absolute change and its CI instead.
    """
    clusters = [pairs[i].cluster for i, _ in series]
    inputs = len(set(clusters))
    if inputs < min_inputs:
        return {**insufficient(inputs, min_inputs), "n_pairs": len(series)}
    values = [v for _, v in series]
    magnitudes = [abs(v) for v in values]
    result: dict[str, Any] = {"n_inputs": inputs, "n_pairs": len(values),
                              "mean_abs_change": sum(magnitudes) / len(values)}
    if signed:
        result["mean_change"] = sum(values) / len(values)
        result["ci"] = boot.mean_ci(values, clusters)
    else:
        result["ci"] = boot.mean_ci(magnitudes, clusters)
        result["ci_of"] = "mean_abs_change"
    return result


# ---------------------------------------------------------------- generated text

def _whole_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", re.IGNORECASE | re.UNICODE)


def _keep_case(found: str, word: str) -> str:
    letters = [c for c in found if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if letters and found[0].isupper():
        return word if word[:1].isupper() else word[:1].upper() + word[1:]
    return word.lower()


def inverse_of_swaps(variant: Variant) -> dict[str, str] | None:
    """replacement → original for the words the variant's input swap changed; ``None`` if one replacement
    stands for two different originals (then the swap cannot be undone word by word)."""
    inverse: dict[str, str] = {}
    for swap in variant.swaps:
        if swap.field == "(reference)":
            continue
        for sub in swap.substitutions:
            key = sub.replacement.lower()
            if key in inverse and inverse[key].lower() != sub.original.lower():
                return None
            inverse[key] = sub.original
    return inverse


def undo_words(text: str, inverse: Mapping[str, str]) -> str:
    if not inverse:
        return text
    pattern = re.compile(
        "(?<![^\\W_])(?:" + "|".join(re.escape(w) for w in sorted(inverse, key=len, reverse=True)) + ")(?![^\\W_])",
        re.IGNORECASE | re.UNICODE,
    )
    return pattern.sub(lambda m: _keep_case(m.group(0), inverse[m.group(0).lower()]), text)


def swap_back(text: str, variant: Variant, spec: PerturbationSpec, output_language: str | None) -> tuple[str | None, str]:
    """The counterfactual output with the swap reversed, and how it was reversed.

    Output in the input's language (or a language-independent perturbation such
    as names): the words the input swap wrote are turned back into the words it
    replaced.  Output in another language: the perturbation's reverse direction
    for that language (``female->male@de``).  ``None`` when neither is possible.
    """
    language_independent = not any("@" in d for d in spec.directions)
    if output_language is None or language_independent:
        inverse = inverse_of_swaps(variant)
        if inverse is not None:
            return undo_words(text, inverse), "inverse of the input's substitutions"
    reverse = reverse_direction(spec, variant.direction)
    tagged = direction_for_language(spec, reverse, output_language) if reverse else None
    if tagged is None:
        return None, f"no reverse direction for output language {output_language or 'of the input'}"
    return spec.apply(text, tagged).text, f"perturbation direction {tagged}"


def count_group_terms(spec: PerturbationSpec, text: str, source: str, target: str, language: str | None) -> int | None:
    direction = direction_for_language(spec, f"{source}->{target}", language)
    if direction is None or direction.split("@")[0] not in spec.directions:
        return None
    return len(spec.apply(text, direction).substitutions)


def text_rows(
    field: str,
    pairs: Sequence[Pair],
    spec: PerturbationSpec,
    *,
    output_language: str | None,
    embed: Callable[[list[str]], list[list[float]]] | None,
) -> list[dict[str, Any]]:
    """Per pair: the swapped-back counterfactual output, its chrF and embedding cosine against the original
    output, whether it is identical, and whether gendered terms followed the swap."""
    import sacrebleu

    rows: list[dict[str, Any]] = []
    for pair in pairs:
        original, counterfactual = str(pair.original_output.get(field) or ""), str(pair.variant_output.get(field) or "")
        restored, how = swap_back(counterfactual, pair.variant, spec, output_language)
        row: dict[str, Any] = {"swap_back": restored, "swap_back_method": how}
        if restored is not None:
            row["chrf"] = float(sacrebleu.sentence_chrf(restored, [original]).score)
            row["exact"] = restored.strip() == original.strip()
        row["faithful"] = _faithful(spec, pair.variant, original, counterfactual, output_language)
        rows.append(row)
    if embed is not None:
        scored = [(i, r) for i, r in enumerate(rows) if r["swap_back"] is not None]
        if scored:
            originals = [str(pairs[i].original_output.get(field) or "") for i, _ in scored]
            vectors = embed(originals + [r["swap_back"] for _, r in scored])
            half = len(scored)
            for k, (_, row) in enumerate(scored):
                # unit vectors: the dot product is the cosine (clipped: float noise can exceed 1)
                row["cosine"] = max(-1.0, min(1.0, float(sum(a * b for a, b in zip(vectors[k], vectors[half + k])))))
    return rows


def compare_texts(rows: Sequence[Mapping[str, Any]], pairs: Sequence[Pair], boot: ClusterBootstrap, *,
                  min_inputs: int) -> dict[str, Any]:
    """Swap-back similarity (mean chrF and cosine with bootstrap CIs, share identical with a Wilson CI) and
    the share of pairs whose gendered output terms followed the swap."""
    inputs = n_inputs(pairs)
    if inputs < min_inputs:
        return {**insufficient(inputs, min_inputs), "n_pairs": len(pairs)}
    clusters = [p.cluster for p in pairs]
    summary: dict[str, Any] = {"n_inputs": inputs, "n_pairs": len(pairs)}
    for key, scale in (("chrf", 100.0), ("cosine", 1.0)):
        values = [(r[key], c) for r, c in zip(rows, clusters) if key in r]
        if values:
            summary[f"swap_back_{key}"] = {
                "mean": sum(v for v, _ in values) / len(values), "scale": scale, "n": len(values),
                "ci": boot.mean_ci([v for v, _ in values], [c for _, c in values]),
            }
    exact = [bool(r["exact"]) for r in rows if "exact" in r]
    if exact:
        summary["swap_back_identical"] = proportion(sum(exact), len(exact))
    judged = [bool(r["faithful"]) for r in rows if r["faithful"] is not None]
    summary["gender_terms_faithful"] = proportion(sum(judged), len(judged)) if judged else None
    summary["no_group_terms_in_outputs"] = sum(1 for r in rows if r["faithful"] is None)
    summary["swap_back_methods"] = dict(Counter(r["swap_back_method"] for r in rows))
    return summary


def _faithful(spec: PerturbationSpec, variant: Variant, original: str, counterfactual: str,
              language: str | None) -> bool | None:
    """Whether the group terms in the outputs moved as the input did: the counterfactual output holds as many
    target-group terms as the original output held source-group terms, and vice versa.  ``None`` when neither
    output holds any (nothing to judge) or the perturbation has no word list for the output language."""
    source, target = variant.source_group, variant.target_group
    counts = [count_group_terms(spec, text, a, b, language)
              for text in (original, counterfactual) for a, b in ((source, target), (target, source))]
    if any(c is None for c in counts):
        return None
    src0, tgt0, src1, tgt1 = counts
    if src0 + tgt0 + src1 + tgt1 == 0:
        return None
    return tgt1 == src0 and src1 == tgt0


# ---------------------------------------------------------------- task metric per group

def group_metrics(task: TaskSpec, pairs: Sequence[Pair], groups: Sequence[str], boot: ClusterBootstrap, *,
                  min_inputs: int) -> dict[str, Any]:
    """The task's metrics per group (as fairlearn's MetricFrame), with CIs, difference, ratio and worst group.

    Group ``g`` holds every output produced for an input that mentions ``g``:
    originals whose swap starts from ``g`` and counterfactuals swapped into
    ``g``.  Each original input contributes to both sides, so the bootstrap
    resamples inputs and the group difference is paired.
    """
    import numpy as np

    from nlpsuite.evaluation.bootstrap import resampled_metric
    from nlpsuite.evaluation.scoring import bound_metrics, metric_arguments

    with_references = bool(task.bindings) and all(p.original_references is not None for p in pairs)
    rows: dict[str, list[tuple[Any, Any, str]]] = {g: [] for g in groups}
    for p in pairs:
        rows.setdefault(p.variant.source_group, []).append((p.original_output, p.original_references, p.cluster))
        rows.setdefault(p.variant.target_group, []).append((p.variant_output, p.variant.references, p.cluster))
    out: dict[str, Any] = {}
    for field in [f.name for f in task.output_fields if f.type == "label"]:
        out.update(_label_rates(field, rows, boot, min_inputs=min_inputs))
    for binding, spec in bound_metrics(task) if with_references else ():
        args = metric_arguments(binding, spec, None)
        by_group: dict[str, Any] = {}
        resamples: dict[str, np.ndarray] = {}
        for group, members in rows.items():
            inputs = len({c for _, _, c in members})
            if inputs < min_inputs:
                by_group[group] = {**insufficient(inputs, min_inputs), "n_rows": len(members)}
                continue
            predictions = [o.get(binding.prediction_field) for o, _, _ in members]
            references = [r if binding.reference_field is not None else None for _, r, _ in members]
            result = spec.compute(predictions, references, args)
            entry: dict[str, Any] = {"value": float(result.value), "n_rows": len(members), "n_inputs": inputs}
            if boot.n_resamples > 0 and (result.per_sample is not None or result.stats is not None):
                with np.errstate(invalid="ignore", divide="ignore"):
                    scores = resampled_metric(spec, result, args, boot.row_counts([c for _, _, c in members]))
                resamples[group] = np.asarray(scores, dtype=np.float64)
                entry["ci"] = boot.ci(resamples[group])
            by_group[group] = entry
        metric: dict[str, Any] = {"metric": spec.name, "higher_is_better": spec.higher_is_better,
                                  "by_group": by_group}
        _between_groups(metric, resamples, boot)
        out[binding.key] = metric
    return out


def _between_groups(metric: dict[str, Any], resamples: Mapping[str, Any], boot: ClusterBootstrap) -> None:
    """Difference (first − second group, with a paired bootstrap CI), max − min, min / max and the worst group."""
    by_group = metric["by_group"]
    scored = {g: e["value"] for g, e in by_group.items() if "value" in e}
    if len(scored) < 2:
        return
    ordered = [g for g in by_group if g in scored]
    hi, lo = max(scored.values()), min(scored.values())
    metric["difference"] = {"groups": ordered[:2], "value": scored[ordered[0]] - scored[ordered[1]]}
    if ordered[0] in resamples and ordered[1] in resamples:
        metric["difference"]["ci"] = boot.ci(resamples[ordered[0]] - resamples[ordered[1]])
    metric["max_min_difference"] = hi - lo
    metric["min_max_ratio"] = lo / hi if hi else None
    if metric.get("higher_is_better") is not None:
        worst = min if metric["higher_is_better"] else max
        metric["worst_group"] = worst(scored, key=lambda g: scored[g])


MAX_RATE_LABELS = 10


def _label_rates(field: str, rows: Mapping[str, list[tuple[Any, Any, str]]], boot: ClusterBootstrap, *,
                 min_inputs: int) -> dict[str, Any]:
    """Share of each group's outputs with each predicted label (fairlearn's selection rate), with CIs.

    Unlike accuracy this needs no reference, and it shows a model that pushes one
    group towards a label even when the references are balanced.
    """
    import numpy as np

    labels = sorted({str(o.get(field)) for members in rows.values() for o, _, _ in members})
    if len(labels) > MAX_RATE_LABELS:
        return {}
    if len(labels) == 2:  # one rate says it all: the other label's is its complement
        labels = labels[1:]
    out: dict[str, Any] = {}
    for label in labels:
        by_group: dict[str, Any] = {}
        resamples: dict[str, Any] = {}
        for group, members in rows.items():
            inputs = len({c for _, _, c in members})
            if inputs < min_inputs:
                by_group[group] = {**insufficient(inputs, min_inputs), "n_rows": len(members)}
                continue
            hits = np.asarray([float(str(o.get(field)) == label) for o, _, _ in members])
            weights = boot.row_counts([c for _, _, c in members])
            entry: dict[str, Any] = {"value": float(hits.mean()), "n_rows": len(members), "n_inputs": inputs}
            if boot.n_resamples > 0:
                with np.errstate(invalid="ignore", divide="ignore"):
                    resamples[group] = weights @ hits / weights.sum(axis=1)
                entry["ci"] = boot.ci(resamples[group])
            by_group[group] = entry
        metric = {"metric": f"rate of {field} = {label}", "higher_is_better": None, "by_group": by_group}
        _between_groups(metric, resamples, boot)
        out[f"{field}={label} rate"] = metric
    return out
