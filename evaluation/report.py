"""Markdown and self-contained HTML reports for a run directory.

``write_reports(run_dir)`` reads ``results.json`` and ``samples.jsonl`` and
writes ``report.md`` and ``report.html`` next to them.  The HTML page carries its
CSS and SVG plots inline and refers to no URL, so it opens offline and leaks
nothing; every piece of user or model text is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlpsuite.evaluation.report_samples import SampleDigest
from nlpsuite.evaluation.svg_plots import CIRow, confusion_matrix_svg, format_score, histogram_svg, metrics_ci_svg
from nlpsuite.jsonl import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from nlpsuite.evaluation.results import RunRecord

REPORT_MD = "report.md"
REPORT_HTML = "report.html"
_TEXT_LIMIT = 400


def write_reports(run_dir: Path) -> list[Path]:
    """Write report.md and report.html into ``run_dir``; return their paths."""
    from nlpsuite.evaluation.results import read_run

    view = ReportView(read_run(Path(run_dir)))
    md_path = Path(run_dir) / REPORT_MD
    html_path = Path(run_dir) / REPORT_HTML
    write_atomic(md_path, render_markdown(view))
    write_atomic(html_path, render_html(view))
    return [md_path, html_path]


class ReportView:
    """What both reports show, from a run's results.json and its samples.jsonl (streamed)."""

    def __init__(self, run: RunRecord) -> None:
        results = self.results = run.results
        self.task = str(results.get("task", "?"))
        self.dataset: Mapping[str, Any] = results.get("dataset") or {}
        self.model: Mapping[str, Any] = results.get("model") or {}
        self.config: Mapping[str, Any] = results.get("config") or {}
        self.metrics: Mapping[str, Mapping[str, Any]] = results.get("metrics") or {}
        self.runtime: Mapping[str, Any] = results.get("runtime") or {}
        self.repro: Mapping[str, Any] = results.get("reproducibility") or {}
        self.reportable = bool(results.get("reportable", True))
        self.samples = SampleDigest(run, list(self.metrics))
        # the first metric (in the task's order) that has per-sample scores
        self.main_metric = next((name for name in self.metrics if self.samples.has_scores(name)), None)

    def scale(self, name: str) -> float:
        settings = self.metrics.get(name, {}).get("settings") or {}
        scale = settings.get("scale")
        return float(scale) if isinstance(scale, (int, float)) and scale > 0 else 1.0

    def per_sample(self, name: str) -> list[float]:
        return self.samples.per_sample(name)

    def confusion(self) -> tuple[str, Mapping[str, Any]] | None:
        for name, metric in self.metrics.items():
            matrix = (metric.get("details") or {}).get("confusion_matrix")
            if isinstance(matrix, Mapping) and matrix.get("matrix"):
                return name, metric["details"]
        return None

    def non_reportable_reason(self) -> str:
        limit = self.config.get("limit")
        why = f"it was run with --limit {limit}" if limit is not None else "it does not cover the whole dataset"
        return f"Not reportable: {why}; do not quote these numbers as results on {self.dataset.get('name', 'the dataset')}."

    def model_line(self) -> str:
        name = self.model.get("name", "?")
        bits = [f"source {self.model.get('source', '?')}", f"kind {self.model.get('kind', '?')}"]
        if self.model.get("revision"):
            bits.append(f"revision {self.model['revision']}")
        bits += [f"device {self.model.get('device', '?')}", f"dtype {self.model.get('dtype', '?')}"]
        return f"{name} ({', '.join(bits)})"

    def ci_text(self, name: str) -> str:
        ci = self.metrics[name].get("ci")
        if not ci:
            return "–"
        scale = self.scale(name)
        return f"[{format_score(ci.get('low'), scale)}, {format_score(ci.get('high'), scale)}]"

    def ci_caption(self) -> str:
        for metric in self.metrics.values():
            ci = metric.get("ci")
            if ci:
                level = int(round(100 * float(ci.get("level", 0.95))))
                return (f"{level}% {ci.get('interval', 'percentile')} bootstrap intervals, "
                        f"{ci.get('n_resamples')} resamples, seed {ci.get('seed')}")
        return "no confidence intervals"

    def worst_samples(self) -> list[Mapping[str, Any]]:
        """Failed samples first, then the lowest-scoring (highest for lower-is-better) on the main metric."""
        higher = self.main_metric is None or bool(self.metrics[self.main_metric].get("higher_is_better", True))
        return self.samples.worst(self.main_metric, higher)


def _clip(text: str) -> str:
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


# ---------------------------------------------------------------- Markdown

def md_escape(text: Any) -> str:
    """Escape text for a Markdown table cell or paragraph: no markup, no raw HTML, one line."""
    out = _as_text(text).replace("\\", "\\\\")
    for ch in "`*_[]|#":
        out = out.replace(ch, "\\" + ch)
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(out.split())


def md_code(text: Any) -> str:
    """Inline code span that survives backticks in the text."""
    body = " ".join(_as_text(text).split())
    fence = "``" if "`" in body else "`"
    return f"{fence} {body} {fence}" if fence == "``" else f"`{body}`"


def render_markdown(view: ReportView) -> str:
    lines: list[str] = [f"# nlpsuite evaluation: {md_escape(view.task)}", ""]
    if not view.reportable:
        lines += [f"> **{md_escape(view.non_reportable_reason())}**", ""]
    if view.model.get("fallback"):
        lines += [f"> **Fallback model used.** {md_escape(view.model.get('notice') or '')}", ""]
    ds = view.dataset
    lines += [
        f"- **Dataset:** {md_escape(ds.get('name', '?'))} (source {md_escape(ds.get('source', '?'))}, "
        f"version {md_escape(ds.get('version', '?'))}), {ds.get('n', view.samples.n)} samples, "
        f"ids sha256 {md_code(str(ds.get('ids_sha256', '?'))[:16])}…",
        f"- **Model:** {md_escape(view.model_line())}",
    ]
    if view.model.get("requested") and view.model.get("requested") != view.model.get("name"):
        lines.append(f"- **Requested model:** {md_escape(view.model['requested'])}")
    lines += ["", "## Metrics", "", f"{md_escape(view.ci_caption())}.", "",
              "| metric | value | 95% CI | better | n | failed | version |",
              "|---|---:|---|---|---:|---:|---|"]
    for name, metric in view.metrics.items():
        scale = view.scale(name)
        lines.append(
            f"| {md_escape(name)} | {format_score(metric.get('value'), scale)} | {view.ci_text(name)} | "
            f"{'higher' if metric.get('higher_is_better', True) else 'lower'} | {metric.get('n', '')} | "
            f"{metric.get('n_failed', '')} | {md_escape(metric.get('version', ''))} |"
        )
    lines += ["", "### Metric settings", ""]
    for name, metric in view.metrics.items():
        settings = metric.get("settings") or {}
        if "signature" in settings:
            lines.append(f"- **{md_escape(name)}**: signature {md_code(settings['signature'])}")
        others = {k: v for k, v in settings.items() if k != "signature"}
        if others:
            lines.append(f"- **{md_escape(name)}** settings: {md_code(json.dumps(others, ensure_ascii=False, default=str))}")
    confusion = view.confusion()
    if confusion:
        _, details = confusion
        lines += ["", "### Per-class results", "", "| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for label, row in (details.get("per_class") or {}).items():
            lines.append(f"| {md_escape(label)} | {row.get('precision', 0):.4f} | {row.get('recall', 0):.4f} | "
                         f"{row.get('f1', 0):.4f} | {row.get('support', '')} |")
    rt = view.runtime
    lines += ["", "## Runtime", ""]
    for key in ("wall_s", "predict_s", "samples_per_s", "batch_size", "n_batches", "cached_samples", "device"):
        if key in rt:
            lines.append(f"- {key}: {md_escape(_fmt_plain(rt[key]))}")
    lines += ["", "## Reproducibility", ""]
    for key in ("command", "nlpsuite_version", "git_commit", "seed", "device", "python", "platform"):
        if key in view.repro:
            value = view.repro[key]
            lines.append(f"- {key}: {md_code(' '.join(value) if isinstance(value, list) else value)}")
    packages = view.repro.get("packages") or {}
    if packages:
        lines.append("- packages: " + ", ".join(f"{md_escape(k)} {md_escape(v)}" for k, v in sorted(packages.items())))
    lines += ["", "## Configuration", "", "```json",
              json.dumps(view.config, indent=2, ensure_ascii=False, default=str).replace("```", "`\u200b``"), "```", ""]
    return "\n".join(lines)


def _fmt_plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return _as_text(value)


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.banner{padding:.6rem 1rem;border-radius:4px;margin:.5rem 0;font-weight:600}
.warn{background:#fff3cd;border:1px solid #e0c36a}.notice{background:#e8f0fe;border:1px solid #9ab4e8}
code{background:#f5f5f5;padding:0 .2rem;word-break:break-all}
pre{background:#f5f5f5;padding:.5rem;overflow:auto}
.sample{white-space:pre-wrap;max-width:18rem}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
"""


def _h(value: Any) -> str:
    return escape(_as_text(value), quote=True)


def render_html(view: ReportView) -> str:
    body: list[str] = [f"<h1>nlpsuite evaluation: {_h(view.task)}</h1>"]
    if not view.reportable:
        body.append(f'<div class="banner warn">{_h(view.non_reportable_reason())}</div>')
    if view.model.get("fallback"):
        body.append(f'<div class="banner notice">Fallback model used. {_h(view.model.get("notice") or "")}</div>')
    ds = view.dataset
    body.append("<dl>")
    for term, value in (
        ("Dataset", f"{ds.get('name', '?')} (source {ds.get('source', '?')}, version {ds.get('version', '?')})"),
        ("Samples", ds.get("n", view.samples.n)),
        ("Sample ids sha256", ds.get("ids_sha256", "?")),
        ("Model", view.model_line()),
        ("Requested model", view.model.get("requested") or "(task default)"),
        ("Created", view.results.get("created", "?")),
    ):
        body.append(f"<dt>{_h(term)}</dt><dd>{_h(value)}</dd>")
    body.append("</dl>")

    body.append("<h2>Metrics</h2>")
    body.append(f"<p>{_h(view.ci_caption())}.</p>")
    body.append("<table><tr><th>metric</th><th>value</th><th>95% CI</th><th>better</th><th>n</th><th>failed</th>"
                "<th>version</th><th>settings</th></tr>")
    rows = []
    for name, metric in view.metrics.items():
        scale = view.scale(name)
        ci = metric.get("ci") or {}
        rows.append(CIRow(name=name, value=float(metric.get("value", float("nan"))), low=ci.get("low"),
                          high=ci.get("high"), scale=scale, higher_is_better=bool(metric.get("higher_is_better", True))))
        settings = metric.get("settings") or {}
        settings_html = (f"<code>{_h(settings['signature'])}</code><br>" if "signature" in settings else "") + \
            "<code>" + _h(json.dumps({k: v for k, v in settings.items() if k != "signature"}, ensure_ascii=False, default=str)) + "</code>"
        body.append(
            f"<tr><td>{_h(name)}</td><td class=num>{format_score(metric.get('value'), scale)}</td>"
            f"<td class=num>{_h(view.ci_text(name))}</td><td>{'higher' if metric.get('higher_is_better', True) else 'lower'}</td>"
            f"<td class=num>{_h(metric.get('n', ''))}</td><td class=num>{_h(metric.get('n_failed', ''))}</td>"
            f"<td>{_h(metric.get('version', ''))}</td><td>{settings_html}</td></tr>"
        )
    body.append("</table>")
    if rows:
        body.append(metrics_ci_svg(rows))

    if view.main_metric is not None:
        name = view.main_metric
        values = view.per_sample(name)
        scale = view.scale(name)
        body.append(f"<h2>Per-sample {_h(name)}</h2>")
        # right/wrong scores (accuracy) get two bins; graded scores get twenty
        bins = 2 if values and all(v in (0.0, 1.0) for v in values) else 20
        body.append(histogram_svg(values, f"per-sample {name} over {len(values)} samples", 0.0,
                                  max(scale, max(values, default=0.0)), bins=bins))

    confusion = view.confusion()
    if confusion:
        _, details = confusion
        cm = details["confusion_matrix"]
        body.append("<h2>Confusion matrix</h2>")
        body.append(confusion_matrix_svg(details.get("labels") or [], cm.get("columns") or [], cm["matrix"]))
        body.append("<table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>")
        for label, row in (details.get("per_class") or {}).items():
            body.append(f"<tr><td>{_h(label)}</td><td class=num>{row.get('precision', 0):.4f}</td>"
                        f"<td class=num>{row.get('recall', 0):.4f}</td><td class=num>{row.get('f1', 0):.4f}</td>"
                        f"<td class=num>{_h(row.get('support', ''))}</td></tr>")
        body.append("</table>")

    worst = view.worst_samples()
    if worst:
        what = f"lowest {view.main_metric}" if view.main_metric else "failed"
        body.append(f"<h2>Samples to look at ({_h(what)} first, failed samples before them)</h2>")
        body.append("<table><tr><th>id</th><th>input</th><th>prediction</th><th>reference</th><th>score / error</th></tr>")
        for sample in worst:
            score = sample.get("error") or (sample.get("scores") or {}).get(view.main_metric or "", "")
            body.append(
                f"<tr><td>{_h(sample.get('id'))}</td><td class=sample>{_h(_clip(_as_text(sample.get('input'))))}</td>"
                f"<td class=sample>{_h(_clip(_as_text(sample.get('prediction'))))}</td>"
                f"<td class=sample>{_h(_clip(_as_text(sample.get('references'))))}</td>"
                f"<td>{_h(_fmt_plain(score))}</td></tr>"
            )
        body.append("</table>")

    body.append("<h2>Runtime</h2><dl>")
    for key, value in view.runtime.items():
        body.append(f"<dt>{_h(key)}</dt><dd>{_h(_fmt_plain(value))}</dd>")
    body.append("</dl><h2>Reproducibility</h2><dl>")
    for key, value in view.repro.items():
        if key == "packages":
            value = ", ".join(f"{k} {v}" for k, v in sorted((value or {}).items()))
        elif isinstance(value, list):
            value = " ".join(map(str, value))
        body.append(f"<dt>{_h(key)}</dt><dd><code>{_h(value)}</code></dd>")
    body.append("</dl><h2>Configuration</h2>")
    body.append(f"<pre>{_h(json.dumps(view.config, indent=2, ensure_ascii=False, default=str))}</pre>")

    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>nlpsuite evaluation: {_h(view.task)}</title>"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
