"""The counterfactual audit for the Audit tab: run :func:`~nlpsuite.evaluation.audit.run_audit` and read back
what it found, as the tab's tables and pair diffs.

Gradio-free.  The audit runs in the server's session (models shared with the
task tabs) and through the harness's prediction cache, so asking again answers
from stored predictions.  An uploaded dataset is read as data only and refused
above the server's size cap, as on the Evaluate tab; a dataset with more inputs
than the server evaluates at once is refused before any model runs.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.evaluation.audit.report import format_number, format_p
from nlpsuite.registry import get_perturbations, get_tasks
from nlpsuite.specs import PerturbationSpec, TaskSpec
from nlpsuite.web.evaluation_view import check_dataset_size, chosen_dataset
from nlpsuite.web.task_form import TaskRequest
from nlpsuite.web.task_runner import TaskRunner

DISPARITY_HEADERS = ["perturbation", "direction", "measure", "inputs", "value", "95% CI", "p (Holm)", "verdict"]
GROUP_HEADERS = ["perturbation", "metric", "group", "value", "95% CI", "inputs", "first − second [95% CI]",
                 "worst group"]
#: Output types an audit has a comparator for (labels, scores, generated text).
COMPARABLE_TYPES = ("label", "labels", "number", "json", "text", "text_list")
#: Worst pairs shown per perturbation.
SHOWN_PAIRS = 5
NO_VALUE = "–"


def auditable_tasks(names: tuple[str, ...] = ()) -> list[TaskSpec]:
    """Tasks an audit can perturb and compare: a text input and an output with a comparator, in tab order."""
    from nlpsuite.web.tab_order import ordered_tasks

    return ordered_tasks(
        s for s in get_tasks()
        if (not names or s.name in names)
        and any(f.type == "text" for f in s.input_fields)
        and any(f.type in COMPARABLE_TYPES for f in s.output_fields)
    )


def applicable_perturbations() -> list[PerturbationSpec]:
    """Registered perturbations that can change inputs (those with input directions), a third party's too."""
    from nlpsuite.evaluation.audit.counterfactuals import input_directions

    return [p for p in get_perturbations() if input_directions(p)]


def perturbation_choices() -> list[tuple[str, str]]:
    """(shown, value) pairs for the perturbation checkboxes: the name and what it swaps."""
    return [(f"{p.name}: {p.description}" if p.description else p.name, p.name) for p in applicable_perturbations()]


@dataclass(frozen=True)
class AuditSettings:
    """The audit's statistics settings the tab offers (the CLI's defaults)."""

    seed: int = 0
    n_bootstrap: int = 1000
    min_inputs: int = 10


@dataclass(frozen=True)
class AuditView:
    """What the Audit tab shows of one audit."""

    summary: str
    disparity: list[list[str]]
    groups: list[list[str]]
    pairs: str
    files: list[str]
    results: dict[str, Any]


def _run_dir(runner: TaskRunner, spec: TaskSpec, identity: Sequence[Any]) -> Path:
    # one directory per (task, dataset content, model, perturbations, settings): asking again lands in the same place
    digest = hashlib.sha256("|".join(str(p) for p in identity).encode()).hexdigest()[:12]
    return Path(runner.settings.runs_dir) / f"audit-{spec.name}-{digest}"


def run_audit_view(
    runner: TaskRunner,
    task: str,
    perturbations: Sequence[str],
    *,
    upload: str | Path | None = None,
    model: str | None = None,
    limit: int | None = None,
    columns: Mapping[str, str] | None = None,
    settings: AuditSettings = AuditSettings(),
    progress: Callable[[float, str], None] | None = None,
) -> AuditView:
    """Audit ``task`` on its sample dataset (or ``upload``) with ``model`` (``None``: the task default)."""
    from nlpsuite.evaluation.audit import AuditRequest, run_audit
    from nlpsuite.evaluation.audit.engine import DEFAULT_EMBEDDING_MODEL, TEXT_TYPES
    from nlpsuite.models.reference import parse_model_reference
    from nlpsuite.registry import get_task

    spec = get_task(task)
    chosen_model = runner.model_choice(spec, model)
    known = {p.name for p in applicable_perturbations()}
    chosen = tuple(p for p in perturbations or () if p)
    if not chosen:
        raise UsageError("no perturbation chosen", hint=f"tick at least one of {', '.join(sorted(known))}")
    unknown = [p for p in chosen if p not in known]
    if unknown:
        raise UsageError(f"unknown perturbation(s) {', '.join(unknown)}", hint=f"choose from {', '.join(sorted(known))}")
    dataset, identity = chosen_dataset(spec, upload, runner.settings.max_upload_bytes)
    if limit is not None and limit < 1:
        raise UsageError(f"limit {limit} must be at least 1", hint="leave it at 0 to audit every input")
    if settings.n_bootstrap < 0 or settings.min_inputs < 1:
        raise UsageError("bootstrap resamples must be 0 or more and min inputs at least 1",
                         hint="the defaults are 1000 resamples and 10 inputs")

    options = replace(runner.settings.task_options(), offline=runner.session.offline or runner.settings.task_options().offline)
    if progress:
        progress(0.0, "reading the dataset")
    check_dataset_size(runner, spec, dataset, columns, limit, options.offline, "audits")

    request = AuditRequest(
        task=spec.name, model=chosen_model.reference, dataset=dataset, columns=dict(columns or {}), limit=limit,
        perturbations=chosen,
        options=options, seed=settings.seed, n_bootstrap=settings.n_bootstrap, min_inputs=settings.min_inputs,
        output_dir=_run_dir(runner, spec, (spec.name, identity, model, limit, sorted((columns or {}).items()),
                                           ",".join(chosen),
                                           settings.seed, settings.n_bootstrap, settings.min_inputs)),
        top_examples=SHOWN_PAIRS, command="nlpsuite demo (Audit tab)",
    )
    if progress:
        progress(0.05, "loading the model")
    loaded = runner.loaded(spec, TaskRequest(record={}, model=model))
    # a text task's swap-back cosine runs the embedding model, which other tabs may be using too
    also = [parse_model_reference(DEFAULT_EMBEDDING_MODEL).source] \
        if any(f.type in TEXT_TYPES for f in spec.output_fields) else []
    with runner.using(loaded, *also):
        outcome = run_audit(request, notify=lambda _message: None, session=runner.session)
    files = [str(outcome.run_dir / name) for name in ("audit.json", "audit.html") if (outcome.run_dir / name).is_file()]
    return AuditView(
        summary=summary_markdown(outcome.results, outcome.report_error, model_name=loaded.model.name),
        disparity=disparity_rows(outcome.results),
        groups=group_rows(outcome.results),
        pairs=pairs_html(spec, outcome.results, outcome.pairs),
        files=files,
        results=outcome.results,
    )


# -- numbers as the tables show them (the audit report's formats) -------------------------------------
def _num(value: Any, digits: int = 3) -> str:
    return format_number(value, digits, NO_VALUE)


def _p(value: Any) -> str:
    return format_p(value, NO_VALUE)


def _ci(ci: Mapping[str, Any] | None, digits: int = 3) -> str:
    return f"[{_num(ci.get('low'), digits)}, {_num(ci.get('high'), digits)}]" if ci else NO_VALUE


def parse_ci(text: str) -> tuple[float, float] | None:
    """(low, high) of a CI cell (``"[0.012, 0.034]"``), ``None`` for an empty one."""
    if not text.startswith("["):
        return None
    low, high = text.strip("[]").split(",")
    return float(low), float(high)


def _insufficient(result: Mapping[str, Any]) -> bool:
    from nlpsuite.evaluation.audit.statistics import INSUFFICIENT

    return result.get("status") == INSUFFICIENT


def _insufficient_row(name: str, direction: str, measure: str, result: Mapping[str, Any]) -> list[str]:
    from nlpsuite.evaluation.audit.statistics import INSUFFICIENT

    return [name, direction, measure, str(result.get("n_inputs", NO_VALUE)), INSUFFICIENT, NO_VALUE, NO_VALUE,
            f"fewer than {result.get('min_inputs')} inputs"]


def disparity_rows(results: Mapping[str, Any]) -> list[list[str]]:
    """Per perturbation and direction: flip rate (Wilson CI) with McNemar's p (and Holm-adjusted) for
    labels, mean change with its bootstrap CI for scores, swap-back chrF and cosine for generated text."""
    from nlpsuite.evaluation.audit.statistics import excludes_zero

    rows: list[list[str]] = []
    for name, section in (results.get("perturbations") or {}).items():
        for field, block in (section.get("labels") or {}).items():
            for direction, r in block["directions"].items():
                measure = f"{field}: flip rate"
                if _insufficient(r):
                    rows.append(_insufficient_row(name, direction, measure, r))
                    continue
                flip, test = r.get("flip_rate") or {}, r.get("paired_test") or {}
                if test.get("significant_holm"):
                    toward = test.get("toward_label")
                    verdict = "FLAGGED" + (f": pushes toward {toward}" if toward else "")
                else:
                    verdict = "no significant shift"
                rows.append([name, direction, measure, str(r.get("n_inputs")), _num(flip.get("value")),
                             _ci(flip.get("ci")), f"{_p(test.get('p_value'))} ({_p(test.get('p_holm'))})", verdict])
        for score, block in (section.get("scores") or {}).items():
            for direction, r in block["directions"].items():
                measure = f"{score}: mean change"
                if _insufficient(r):
                    rows.append(_insufficient_row(name, direction, measure, r))
                    continue
                verdict = "FLAGGED: CI excludes 0" if excludes_zero(r.get("ci")) else "CI includes 0"
                rows.append([name, direction, measure, str(r.get("n_inputs")), _num(r.get("mean_change"), 4),
                             _ci(r.get("ci"), 4), NO_VALUE, verdict])
        for field, block in (section.get("text") or {}).items():
            for direction, r in block["directions"].items():
                if _insufficient(r):
                    rows.append(_insufficient_row(name, direction, f"{field}: swap-back similarity", r))
                    continue
                same = r.get("swap_back_identical") or {}
                faithful = r.get("gender_terms_faithful") or {}
                for key, label, digits in (("swap_back_chrf", "swap-back chrF (0–100)", 2),
                                           ("swap_back_cosine", "swap-back cosine", 3)):
                    measured = r.get(key)
                    if not measured:
                        continue
                    verdict = (f"{_num(same.get('value'))} identical after swap-back" if same else "") + \
                        (f"; gendered terms faithful {_num(faithful.get('value'))}" if faithful else "")
                    rows.append([name, direction, f"{field}: {label}", str(r.get("n_inputs")),
                                 _num(measured.get("mean"), digits), _ci(measured.get("ci"), digits),
                                 NO_VALUE, verdict])
    return rows


def group_rows(results: Mapping[str, Any]) -> list[list[str]]:
    """The task's metrics (and label rates) per group, with CIs; the difference between the first two groups
    (paired bootstrap CI) and the worst group on each metric's first row."""
    from nlpsuite.evaluation.audit.statistics import INSUFFICIENT

    rows: list[list[str]] = []
    for name, section in (results.get("perturbations") or {}).items():
        for key, metric in (section.get("group_metrics") or {}).items():
            difference = metric.get("difference") or {}
            between = f"{_num(difference.get('value'))} {_ci(difference.get('ci'))}" if difference else NO_VALUE
            for index, (group, entry) in enumerate((metric.get("by_group") or {}).items()):
                value = INSUFFICIENT if _insufficient(entry) else _num(entry.get("value"))
                rows.append([name, key, group, value, _ci(entry.get("ci")), str(entry.get("n_inputs", NO_VALUE)),
                             between if index == 0 else "", (metric.get("worst_group") or NO_VALUE) if index == 0 else ""])
    return rows


# -- pairs ------------------------------------------------------------------------------------------
def worst_pairs(spec: TaskSpec, pairs: Sequence[Mapping[str, Any]], perturbation: str,
                top: int = SHOWN_PAIRS) -> list[Mapping[str, Any]]:
    """The perturbation's pairs that differ most, by the audit's own ranking (flipped labels first, then the
    lowest swap-back chrF, then the biggest score change)."""
    from nlpsuite.evaluation.audit.engine import failure_score  # the ranking the report's examples use

    mine = [p for p in pairs if p.get("perturbation") == perturbation and "error" not in p]
    return sorted(mine, key=lambda row: failure_score(spec, row))[:top]


def pairs_html(spec: TaskSpec, results: Mapping[str, Any], pairs: Sequence[Mapping[str, Any]]) -> str:
    """Per perturbation, the worst pairs as diffs: the input with swapped words struck out (``<del>``) and
    written in (``<ins>``), and each output field, original → counterfactual.  All text is escaped."""
    # the audit report's own diff renderers, so the tab and audit.html show a pair the same way
    from nlpsuite.evaluation.audit.report import input_diff_html, output_diff_html

    parts = []
    for name, section in (results.get("perturbations") or {}).items():
        shown = worst_pairs(spec, pairs, name)
        counts = section.get("counts") or {}
        flipped = sum(1 for p in pairs if p.get("perturbation") == name and "error" not in p
                      and any(v for k, v in (p.get("compared") or {}).items() if k.endswith("_flipped") and v is True))
        parts.append(f"<h4>{html.escape(name)}: {counts.get('variants', 0)} pairs, {flipped} with a changed label; "
                     f"{counts.get('skipped', 0)} inputs had nothing to swap</h4>")
        if not shown:
            parts.append("<p>No pair to show.</p>")
            continue
        parts.append('<table class="nlpsuite-pairs"><tr><th>pair</th><th>input: original → variant</th>'
                     "<th>output: original → variant</th></tr>")
        for row in shown:
            parts.append(f"<tr><td><code>{html.escape(str(row.get('variant_id')))}</code></td>"
                         f"<td>{input_diff_html(row)}</td><td>{output_diff_html(row)}</td></tr>")
        parts.append("</table>")
    return "".join(parts)


def summary_markdown(results: Mapping[str, Any], report_error: str | None = None, *,
                     model_name: str | None = None) -> str:
    """The audit's verdict, then what ran; ``model_name`` is how the page names the model (a local one by
    its folder)."""
    from nlpsuite.evaluation.audit.report import finding_text  # the report's wording of a finding

    dataset, counts, model = (results.get(k) or {} for k in ("dataset", "counts", "model"))
    runtime = results.get("runtime") or {}
    findings = results.get("findings") or []
    if findings:
        verdict = (f"**Verdict: {len(findings)} finding(s)** — outputs or metrics that differ between the "
                   "original and the swapped inputs beyond chance:\n" + "\n".join(f"- {html.escape(finding_text(f))}" for f in findings))
    else:
        verdict = ("**Verdict: nothing flagged** — no label shift significant after Holm's correction, and no score "
                   "change or group difference whose 95% CI excludes 0.")
    lines = [
        verdict,
        f"**{html.escape(str(results.get('task')))}** on **{html.escape(str(dataset.get('name')))}**: "
        f"{counts.get('inputs_with_variants')} of {counts.get('inputs')} inputs had something to swap "
        f"({counts.get('inputs_skipped_everywhere')} had nothing: counted, never scored); "
        f"{counts.get('variants')} counterfactual variants; {runtime.get('cached_samples', 0)} predictions from the "
        f"cache, {runtime.get('predicted_samples', 0)} new, in {runtime.get('wall_s', '?')} s.",
        f"**Model used:** `{model_name or model.get('name')}` ({model.get('device')}, {model.get('dtype')})",
    ]
    if model.get("notice"):
        lines.append(f"> ⚠️ **Fallback:** {html.escape(model['notice'])}")
    if not results.get("reportable", True):
        lines.append("> This audit used a limit, so it is marked non-reportable.")
    if report_error:
        lines.append(f"> The HTML report could not be written: {html.escape(report_error)}")
    return "\n\n".join(lines)
