"""``audit.md`` and a self-contained ``audit.html`` from an audit directory's ``audit.json``.

The HTML carries its CSS and SVG plots inline and refers to no URL; every piece
of user or model text is escaped.  Both show, per perturbation: counts (and
inputs skipped for having nothing to swap), flip rates with CIs and the paired
test, score changes, swap-back similarity, the task's metrics per group, the
top failing and some passing examples as diffs, and the word lists' provenance.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from nlpsuite.evaluation.audit.plots import RateBar, rate_bars_svg
from nlpsuite.evaluation.audit.statistics import INSUFFICIENT
from nlpsuite.evaluation.svg_plots import CIRow, metrics_ci_svg
from nlpsuite.jsonl import write_atomic

AUDIT_MD = "audit.md"
AUDIT_HTML = "audit.html"
_CLIP = 300


def write_audit_reports(run_dir: Path) -> list[Path]:
    from nlpsuite.evaluation.audit.engine import AUDIT_JSON

    results = json.loads((Path(run_dir) / AUDIT_JSON).read_text(encoding="utf-8"))
    md, html = Path(run_dir) / AUDIT_MD, Path(run_dir) / AUDIT_HTML
    write_atomic(md, render_markdown(results))
    write_atomic(html, render_html(results))
    return [md, html]


def format_number(value: Any, digits: int = 3, missing: str = "–") -> str:
    """A statistic as the audit's tables show it (``missing`` when there is none)."""
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else missing


def _ci(ci: Mapping[str, Any] | None, digits: int = 3) -> str:
    return f"[{format_number(ci.get('low'), digits)}, {format_number(ci.get('high'), digits)}]" if ci else "–"


def format_p(value: Any, missing: str = "–") -> str:
    """A p-value as the audit's tables show it: two significant digits below 0.001."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return missing
    return f"{value:.2g}" if value < 0.001 else f"{value:.3f}"


def _insufficient(result: Mapping[str, Any]) -> bool:
    return result.get("status") == INSUFFICIENT


def _readable(value: Any) -> str:
    """An output value as a person reads it: scores per label as ``negative 0.974, positive 0.026`` and a
    number to three decimals, never a JSON dict of six-decimal floats."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, Mapping) and all(isinstance(v, (int, float, str)) for v in value.values()):
        return ", ".join(f"{k} {_readable(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, default=str)


def _clip(text: Any) -> str:
    text = _readable(text)
    return text if len(text) <= _CLIP else text[:_CLIP] + "…"


def label_rows(section: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per (label field, direction): what the flip-rate table and bars show."""
    rows = []
    for field, block in (section.get("labels") or {}).items():
        for direction, result in block["directions"].items():
            row: dict[str, Any] = {"field": field, "direction": direction, "result": result}
            rows.append(row)
        rows.append({"field": field, "direction": "(all directions)", "result": block["pooled"]})
    return rows


def score_rows(section: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, block in (section.get("scores") or {}).items():
        for direction, result in block["directions"].items():
            rows.append({"field": name, "direction": direction, "result": result})
    return rows


def _verdict(result: Mapping[str, Any]) -> str:
    test = result.get("paired_test") or {}
    if _insufficient(result):
        return INSUFFICIENT
    if test.get("significant_holm"):
        toward = test.get("toward_label")
        return "FLAGGED" + (f" (pushes toward {toward})" if toward else "")
    return "no significant shift" if test else ""


# ---------------------------------------------------------------- Markdown

def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_input_diff(row: Mapping[str, Any]) -> str:
    parts = []
    for swap in row.get("substitutions") or []:
        subs = ", ".join(f"~~{_md(s['original'])}~~ → **{_md(s['replacement'])}**" for s in swap["substitutions"])
        parts.append(f"{_md(swap['field'])}: {subs}")
    return "; ".join(parts)


def _output_summary(output: Any) -> str:
    if not isinstance(output, Mapping):
        return _clip(output)
    shown = {k: v for k, v in output.items() if k not in ("details", "warnings")}
    return _clip(shown)


def render_markdown(results: Mapping[str, Any]) -> str:
    model, dataset, config, counts = (results.get(k) or {} for k in ("model", "dataset", "config", "counts"))
    lines = [f"# nlpsuite audit: {_md(results.get('task'))}", ""]
    if not results.get("reportable", True):
        lines += ["> **Not reportable**: run with --limit; do not quote these numbers.", ""]
    lines += [
        f"- **Model:** {_md(model.get('name'))} (source {_md(model.get('source'))}, device {_md(model.get('device'))})",
        f"- **Dataset:** {_md(dataset.get('name'))} ({_md(dataset.get('source'))}), {dataset.get('n')} inputs, "
        f"ids sha256 `{dataset.get('ids_sha256')}`",
        f"- **Perturbations:** {', '.join(config.get('perturbations') or [])}",
        f"- **Inputs with at least one variant:** {counts.get('inputs_with_variants')} of {counts.get('inputs')} "
        f"({counts.get('inputs_skipped_everywhere')} had nothing to swap: counted, never scored); "
        f"{counts.get('variants')} variants",
        f"- **Statistics:** {_md(config.get('statistics'))} (min_inputs = {config.get('min_inputs')})",
        f"- **Seed / bootstrap:** {config.get('seed')} / {config.get('bootstrap')} resamples",
        "",
        "## Findings",
        "",
    ]
    findings = results.get("findings") or []
    if not findings:
        lines.append("Nothing flagged: no label shift significant after Holm's correction, and no score change or "
                     "group difference whose 95% CI excludes 0.")
    for f in findings:
        lines.append(f"- {_md(finding_text(f))}")
    for name, section in (results.get("perturbations") or {}).items():
        lines += ["", f"## Perturbation `{name}`", "", _md(section.get("description", "")), ""]
        c = section["counts"]
        changed = ", ".join(f"{d}: {n}" for d, n in c["changed"].items())
        lines += [f"Inputs changed per direction: {changed}; skipped (nothing to swap): {c['skipped']}; "
                  f"variants: {c['variants']}; substitutions: {c['substitutions']}; failed pairs: {c['failed_pairs']}.", ""]
        rows = label_rows(section)
        if rows:
            lines += ["### Label flips", "", "| field | direction | inputs | flip rate | 95% CI | McNemar p | Holm p | verdict |",
                      "|---|---|---:|---:|---|---:|---:|---|"]
            for row in rows:
                r = row["result"]
                fr = r.get("flip_rate") or {}
                test = r.get("paired_test") or {}
                lines.append(f"| {_md(row['field'])} | {_md(row['direction'])} | {r.get('n_inputs', '–')} | "
                             f"{format_number(fr.get('value'))} | {_ci(fr.get('ci'))} | {format_p(test.get('p_value'))} | "
                             f"{format_p(test.get('p_holm'))} | {_verdict(r)} |")
        rows = score_rows(section)
        if rows:
            lines += ["", "### Score changes (counterfactual − original)", "",
                      "| score | direction | inputs | mean change | 95% CI |", "|---|---|---:|---:|---|"]
            for row in rows:
                r = row["result"]
                value = INSUFFICIENT if _insufficient(r) else format_number(r.get("mean_change"), 4)
                lines.append(f"| {_md(row['field'])} | {_md(row['direction'])} | {r.get('n_inputs', '–')} | {value} | "
                             f"{_ci(r.get('ci'), 4)} |")
        for field, block in (section.get("text") or {}).items():
            lines += ["", f"### Generated text `{field}`: swap-back similarity", "",
                      "| direction | inputs | chrF (0–100) | 95% CI | cosine | 95% CI | identical | gendered terms faithful |",
                      "|---|---:|---:|---|---:|---|---:|---:|"]
            for direction, r in [*block["directions"].items(), ("(all directions)", block["pooled"])]:
                if _insufficient(r):
                    lines.append(f"| {_md(direction)} | {r['n_inputs']} | {INSUFFICIENT} | | | | | |")
                    continue
                chrf, cos = r.get("swap_back_chrf") or {}, r.get("swap_back_cosine") or {}
                same, faithful = r.get("swap_back_identical") or {}, r.get("gender_terms_faithful") or {}
                lines.append(f"| {_md(direction)} | {r['n_inputs']} | {format_number(chrf.get('mean'), 2)} | {_ci(chrf.get('ci'), 2)} | "
                             f"{format_number(cos.get('mean'))} | {_ci(cos.get('ci'))} | {format_number(same.get('value'))} {_ci(same.get('ci'))} | "
                             f"{format_number(faithful.get('value'))} {_ci(faithful.get('ci'))} |")
        metrics = section.get("group_metrics") or {}
        if metrics:
            lines += ["", "### Metrics by group", "",
                      "| metric | group | value | 95% CI | inputs | difference (first − second) | max − min | min / max | worst |",
                      "|---|---|---:|---|---:|---|---:|---:|---|"]
            for key, m in metrics.items():
                diff = m.get("difference") or {}
                first = True
                for group, e in m["by_group"].items():
                    value = INSUFFICIENT if _insufficient(e) else format_number(e.get("value"))
                    extra = (f"{format_number(diff.get('value'))} {_ci(diff.get('ci'))} | {format_number(m.get('max_min_difference'))} | "
                             f"{format_number(m.get('min_max_ratio'))} | {_md(m.get('worst_group') or '–')}") if first else " | | | "
                    lines.append(f"| {_md(key) if first else ''} | {_md(group)} | {value} | {_ci(e.get('ci'))} | "
                                 f"{e.get('n_inputs', '–')} | {extra} |")
                    first = False
        examples = section.get("examples") or {}
        for kind in ("failing", "passing"):
            rows = examples.get(kind) or []
            if not rows:
                continue
            lines += ["", f"### {'Top failing' if kind == 'failing' else 'Passing'} examples", "",
                      "| variant | swap | original output | counterfactual output |", "|---|---|---|---|"]
            for row in rows:
                lines.append(f"| `{_md(row['variant_id'])}` | {_md_input_diff(row)} | {_md(_output_summary(row['original_output']))} | "
                             f"{_md(_output_summary(row['variant_output']))} |")
        lines += ["", "### Word lists", ""]
        for entry in section.get("word_lists") or []:
            lines.append(f"- `{_md(entry.get('file', entry.get('plugin')))}` (plugin {_md(entry.get('plugin'))}) "
                         f"sha256 `{entry.get('sha256', '–')}`")
            for citation in entry.get("citations") or []:
                lines.append(f"  - {_md(citation)}")
            if entry.get("rules"):
                lines.append(f"  - rules: {_md(entry['rules'])}")
    repro = results.get("reproducibility") or {}
    lines += ["", "## Reproducibility", ""]
    for key in ("command", "nlpsuite_version", "git_commit", "seed", "device", "python"):
        if key in repro:
            lines.append(f"- {key}: `{_md(repro[key])}`")
    lines.append("")
    return "\n".join(lines)


def finding_text(f: Mapping[str, Any]) -> str:
    where = f"{f['perturbation']} {f.get('direction', '')}".strip()
    if f["kind"] == "label shift":
        return (f"{where}: {f['field']} flips in {format_number(f['flip_rate'])} of pairs {_ci(f['flip_ci'])}, toward "
                f"{f.get('toward_label') or '–'} (McNemar exact, Holm p = {format_p(f['p_holm'])})")
    if f["kind"] == "score change":
        return f"{where}: {f['field']} changes by {format_number(f['mean_change'], 4)} on average {_ci(f['ci'], 4)}"
    return (f"{where}: {f['field']} differs between {' and '.join(f['groups'])} by {format_number(f['difference'])} "
            f"{_ci(f['ci'])}" + (f"; worst group {f['worst_group']}" if f.get("worst_group") else ""))


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:64rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.banner{padding:.6rem 1rem;border-radius:4px;margin:.5rem 0;font-weight:600}.warn{background:#fff3cd;border:1px solid #e0c36a}
.flag{color:#c0392b;font-weight:600}.insufficient{color:#888;font-style:italic}
del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
code{background:#f5f5f5;padding:0 .2rem;word-break:break-all}.sample{white-space:pre-wrap;max-width:22rem}
"""


def _h(value: Any) -> str:
    return escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str), quote=True)


def _marked(text: str, spans: Sequence[Mapping[str, Any]], tag: str, key: str) -> str:
    """``text`` escaped, with the substituted spans wrapped in ``<tag>`` (``key`` picks original or replacement)."""
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        out.append(_h(text[last:span["start"]]))
        out.append(f"<{tag}>{_h(span[key])}</{tag}>")
        last = span["end"]
    out.append(_h(text[last:]))
    return "".join(out)


def input_diff_html(row: Mapping[str, Any]) -> str:
    parts = []
    for swap in row.get("substitutions") or []:
        name = swap["field"]
        if name == "(reference)":
            continue
        original = (row.get("original_input") or {}).get(name)
        if isinstance(original, str):
            parts.append(f"<div><b>{_h(name)}</b>: {_marked(original, swap['substitutions'], 'del', 'original')}</div>")
            # offsets are into the original; rebuild the variant with the replacements marked
            rebuilt, last = [], 0
            for s in sorted(swap["substitutions"], key=lambda s: s["start"]):
                rebuilt.append(_h(original[last:s["start"]]))
                rebuilt.append(f"<ins>{_h(s['replacement'])}</ins>")
                last = s["end"]
            rebuilt.append(_h(original[last:]))
            parts.append(f"<div>→ {''.join(rebuilt)}</div>")
    return "".join(parts)


def _words_diff_html(a: str, b: str) -> str:
    """Word-level diff of two outputs: removed words in <del>, added in <ins>."""
    wa, wb = a.split(), b.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(_h(" ".join(wa[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{_h(' '.join(wa[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{_h(' '.join(wb[j1:j2]))}</ins>")
    return " ".join(out)


def output_diff_html(row: Mapping[str, Any]) -> str:
    a, b = row.get("original_output") or {}, row.get("variant_output") or {}
    parts = []
    for key in a:
        if key in ("details", "warnings") or key not in b:
            continue
        va, vb = a[key], b[key]
        if isinstance(va, str) and isinstance(vb, str) and (" " in va or " " in vb):
            parts.append(f"<div><b>{_h(key)}</b>: {_words_diff_html(va, vb)}</div>")
        elif va == vb:
            parts.append(f"<div><b>{_h(key)}</b>: {_h(_clip(va))}</div>")
        else:
            parts.append(f"<div><b>{_h(key)}</b>: <del>{_h(_clip(va))}</del> <ins>{_h(_clip(vb))}</ins></div>")
    compared = row.get("compared") or {}
    for key, value in compared.items():
        if isinstance(value, Mapping) and value.get("swap_back") is not None:
            parts.append(f"<div><b>swapped back</b>: {_h(_clip(value['swap_back']))} (chrF {format_number(value.get('chrf'), 1)}, "
                         f"cosine {format_number(value.get('cosine'))})</div>")
    return "".join(parts)


def render_html(results: Mapping[str, Any]) -> str:
    model, dataset, config, counts = (results.get(k) or {} for k in ("model", "dataset", "config", "counts"))
    body = [f"<h1>nlpsuite audit: {_h(results.get('task'))}</h1>"]
    if not results.get("reportable", True):
        body.append('<div class="banner warn">Not reportable: run with --limit; do not quote these numbers.</div>')
    body.append("<table>")
    for term, value in (
        ("Model", f"{model.get('name')} (source {model.get('source')}, device {model.get('device')})"),
        ("Dataset", f"{dataset.get('name')} ({dataset.get('source')}), {dataset.get('n')} inputs"),
        ("Sample ids sha256", dataset.get("ids_sha256")),
        ("Perturbations", ", ".join(config.get("perturbations") or [])),
        ("Inputs", f"{counts.get('inputs_with_variants')} of {counts.get('inputs')} have a variant; "
                   f"{counts.get('inputs_skipped_everywhere')} had nothing to swap (counted, never scored); "
                   f"{counts.get('variants')} variants"),
        ("Statistics", f"{config.get('statistics')}; threshold {config.get('min_inputs')} inputs"),
        ("Seed / bootstrap", f"{config.get('seed')} / {config.get('bootstrap')}"),
        ("Created", results.get("created")),
    ):
        body.append(f"<tr><th>{_h(term)}</th><td>{_h(value if value is not None else '–')}</td></tr>")
    body.append("</table><h2>Findings</h2>")
    findings = results.get("findings") or []
    if findings:
        body.append("<ul>" + "".join(f'<li class="flag">{_h(finding_text(f))}</li>' for f in findings) + "</ul>")
    else:
        body.append("<p>Nothing flagged: no label shift significant after Holm's correction, and no score change or "
                    "group difference whose 95% CI excludes 0.</p>")
    for name, section in (results.get("perturbations") or {}).items():
        body.append(f"<h2>Perturbation <code>{_h(name)}</code></h2><p>{_h(section.get('description', ''))}</p>")
        c = section["counts"]
        body.append("<p>" + _h(", ".join(f"{d}: {n} inputs changed" for d, n in c["changed"].items())) +
                    f"; skipped (nothing to swap): {c['skipped']}; variants: {c['variants']}; "
                    f"substitutions: {c['substitutions']}; failed pairs: {c['failed_pairs']}.</p>")
        rows = label_rows(section)
        if rows:
            body.append("<h3>Label flips</h3><table><tr><th>field</th><th>direction</th><th>inputs</th><th>flip rate</th>"
                        "<th>95% CI</th><th>McNemar p</th><th>Holm p</th><th>verdict</th></tr>")
            bars = []
            for row in rows:
                r = row["result"]
                fr = r.get("flip_rate") or {}
                test = r.get("paired_test") or {}
                verdict = _verdict(r)
                css = "flag" if verdict.startswith("FLAGGED") else ("insufficient" if verdict == INSUFFICIENT else "")
                body.append(f"<tr><td>{_h(row['field'])}</td><td>{_h(row['direction'])}</td>"
                            f"<td class=num>{_h(r.get('n_inputs', '–'))}</td><td class=num>{format_number(fr.get('value'))}</td>"
                            f"<td class=num>{_ci(fr.get('ci'))}</td><td class=num>{format_p(test.get('p_value'))}</td>"
                            f"<td class=num>{format_p(test.get('p_holm'))}</td><td class='{css}'>{_h(verdict)}</td></tr>")
                ci = fr.get("ci") or {}
                bars.append(RateBar(f"{row['field']} {row['direction']}", fr.get("value"), ci.get("low"), ci.get("high"),
                                    flagged=verdict.startswith("FLAGGED"),
                                    note=INSUFFICIENT if _insufficient(r) else ""))
            body.append("</table>")
            body.append(rate_bars_svg(bars, f"{name}: flip rate with 95% CI"))
        rows = score_rows(section)
        if rows:
            body.append("<h3>Score changes (counterfactual − original)</h3><table><tr><th>score</th><th>direction</th>"
                        "<th>inputs</th><th>mean change</th><th>95% CI</th></tr>")
            for row in rows:
                r = row["result"]
                value = INSUFFICIENT if _insufficient(r) else format_number(r.get("mean_change"), 4)
                body.append(f"<tr><td>{_h(row['field'])}</td><td>{_h(row['direction'])}</td>"
                            f"<td class=num>{_h(r.get('n_inputs', '–'))}</td><td class=num>{_h(value)}</td>"
                            f"<td class=num>{_ci(r.get('ci'), 4)}</td></tr>")
            body.append("</table>")
        for field, block in (section.get("text") or {}).items():
            body.append(f"<h3>Generated text <code>{_h(field)}</code>: swap-back similarity</h3>"
                        "<table><tr><th>direction</th><th>inputs</th><th>chrF</th><th>95% CI</th><th>cosine</th>"
                        "<th>95% CI</th><th>identical</th><th>gendered terms faithful</th></tr>")
            bars = []
            for direction, r in [*block["directions"].items(), ("(all directions)", block["pooled"])]:
                if _insufficient(r):
                    body.append(f"<tr><td>{_h(direction)}</td><td class=num>{r['n_inputs']}</td>"
                                f"<td colspan=6 class=insufficient>{INSUFFICIENT}</td></tr>")
                    continue
                chrf, cos = r.get("swap_back_chrf") or {}, r.get("swap_back_cosine") or {}
                same, faithful = r.get("swap_back_identical") or {}, r.get("gender_terms_faithful") or {}
                body.append(f"<tr><td>{_h(direction)}</td><td class=num>{r['n_inputs']}</td>"
                            f"<td class=num>{format_number(chrf.get('mean'), 2)}</td><td class=num>{_ci(chrf.get('ci'), 2)}</td>"
                            f"<td class=num>{format_number(cos.get('mean'))}</td><td class=num>{_ci(cos.get('ci'))}</td>"
                            f"<td class=num>{format_number(same.get('value'))} {_ci(same.get('ci'))}</td>"
                            f"<td class=num>{format_number(faithful.get('value'))} {_ci(faithful.get('ci'))}</td></tr>")
                sci = same.get("ci") or {}
                bars.append(RateBar(f"identical {direction}", same.get("value"), sci.get("low"), sci.get("high")))
            body.append("</table>")
            if bars:
                body.append(rate_bars_svg(bars, f"{name}: share of swapped-back outputs identical to the original"))
        metrics = section.get("group_metrics") or {}
        if metrics:
            body.append("<h3>Metrics by group</h3><table><tr><th>metric</th><th>group</th><th>value</th><th>95% CI</th>"
                        "<th>inputs</th><th>difference (first − second)</th><th>max − min</th><th>min / max</th>"
                        "<th>worst</th></tr>")
            ci_rows = []
            for key, m in metrics.items():
                diff = m.get("difference") or {}
                groups = list(m["by_group"].items())
                for index, (group, e) in enumerate(groups):
                    value = INSUFFICIENT if _insufficient(e) else format_number(e.get("value"))
                    head = f"<td rowspan={len(groups)}>{_h(key)}</td>" if index == 0 else ""
                    tail = (f"<td rowspan={len(groups)} class=num>{format_number(diff.get('value'))} {_ci(diff.get('ci'))}</td>"
                            f"<td rowspan={len(groups)} class=num>{format_number(m.get('max_min_difference'))}</td>"
                            f"<td rowspan={len(groups)} class=num>{format_number(m.get('min_max_ratio'))}</td>"
                            f"<td rowspan={len(groups)}>{_h(m.get('worst_group') or '–')}</td>") if index == 0 else ""
                    body.append(f"<tr>{head}<td>{_h(group)}</td><td class=num>{_h(value)}</td>"
                                f"<td class=num>{_ci(e.get('ci'))}</td><td class=num>{_h(e.get('n_inputs', '–'))}</td>{tail}</tr>")
                    if "value" in e:
                        ci = e.get("ci") or {}
                        scale = 100.0 if e["value"] > 1 or (ci.get("high") or 0) > 1 else 1.0
                        ci_rows.append(CIRow(f"{key}: {group}"[:40], e["value"], ci.get("low"), ci.get("high"), scale,
                                             m.get("higher_is_better") is not False))
            body.append("</table>")
            if ci_rows:
                body.append(metrics_ci_svg(ci_rows))
        examples = section.get("examples") or {}
        for kind in ("failing", "passing"):
            rows = examples.get(kind) or []
            if not rows:
                continue
            body.append(f"<h3>{'Top failing' if kind == 'failing' else 'Passing'} examples</h3>"
                        "<table><tr><th>variant</th><th>input (swap)</th><th>outputs (original → counterfactual)</th></tr>")
            for row in rows:
                body.append(f"<tr><td><code>{_h(row['variant_id'])}</code></td><td class=sample>{input_diff_html(row)}</td>"
                            f"<td class=sample>{output_diff_html(row)}</td></tr>")
            body.append("</table>")
        body.append("<h3>Word lists</h3><ul>")
        for entry in section.get("word_lists") or []:
            cites = "".join(f"<li>{_h(c)}</li>" for c in entry.get("citations") or [])
            rules = f"<li>rules: {_h(entry['rules'])}</li>" if entry.get("rules") else ""
            body.append(f"<li><code>{_h(entry.get('file', entry.get('plugin')))}</code> (plugin {_h(entry.get('plugin'))}), "
                        f"sha256 <code>{_h(entry.get('sha256', '–'))}</code><ul>{cites}{rules}</ul></li>")
        body.append("</ul>")
    repro = results.get("reproducibility") or {}
    body.append("<h2>Reproducibility</h2><table>")
    for key, value in repro.items():
        if key == "packages":
            value = ", ".join(f"{k} {v}" for k, v in sorted((value or {}).items()))
        body.append(f"<tr><th>{_h(key)}</th><td><code>{_h(value)}</code></td></tr>")
    body.append("</table>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>nlpsuite audit: {_h(results.get('task'))}</title>"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
