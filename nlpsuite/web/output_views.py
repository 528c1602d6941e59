"""How a task's outputs are shown, chosen from the declared output types (never from the task's name).

Rules, applied in order to :attr:`TaskSpec.output_fields`:

* three or more number fields → a key/value **table** of the scalar fields (label, number,
  integer, boolean) with each field's description; when ``ci_low``/``ci_high`` are declared
  next to them, above the table a plain-language **verdict** on the first number (its interval
  lies above 0, below 0, or includes 0) and an **interval plot**;
* otherwise a ``label`` field → a **label** with score bars, taken from a JSON mapping of
  label → probability (a declared ``json`` field) or from a declared number;
* each ``text`` field → a **text** box;
* each ``text_list``/``labels`` field → **highlighted chips**, shaded by a parallel list or
  mapping of scores when a ``json`` field holds one;
* always: the **model** actually used with any fallback notice and warnings, and a collapsed
  **details** view (the ``details`` and ``warnings`` keys and any field not shown above);
* first of all, an **error** area: empty after a success; after a failure it holds what went wrong
  and every other view is emptied (:func:`render_error`), so no earlier result stays under it.

:func:`plan_outputs` is pure; :func:`render` turns one output record into the values of the
planned components; :func:`build_components` makes them (importing gradio).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from nlpsuite.runtime import ModelInfo
from nlpsuite.specs import DETAILS_KEY, WARNINGS_KEY, FieldSpec, TaskSpec

ViewKind = Literal["error", "table", "interval", "label", "text", "chips", "scores", "model", "details"]
NUMBER_TYPES = ("number", "integer")
SCALAR_TYPES = ("label", "number", "integer", "boolean")
TABLE_THRESHOLD = 3
INTERVAL_FIELDS = ("ci_low", "ci_high")


@dataclass(frozen=True)
class OutputView:
    """One output component: its kind and the declared fields it shows."""

    kind: ViewKind
    fields: tuple[FieldSpec, ...] = ()
    scores: FieldSpec | None = None  # label/chips: where the scores come from
    score: FieldSpec | None = None  # label: a single probability of the label

    @property
    def title(self) -> str:
        if self.kind == "error":
            return "Error"
        if self.kind == "model":
            return "Model"
        if self.kind == "details":
            return "Details"
        if self.kind == "table":
            return "Results"
        if self.kind == "scores":
            return "Scores against your reference"
        if self.kind == "interval":
            return "Estimate with its interval"
        return self.fields[0].name.replace("_", " ") if self.fields else self.kind


@dataclass(frozen=True)
class OutputPlan:
    views: tuple[OutputView, ...]
    hidden: tuple[FieldSpec, ...] = field(default=())  # fields shown only under details

    def view(self, kind: ViewKind) -> OutputView | None:
        return next((v for v in self.views if v.kind == kind), None)


def plan_outputs(spec: TaskSpec) -> OutputPlan:
    fields = list(spec.output_fields)
    used: set[str] = set()
    views: list[OutputView] = [OutputView("error")]
    numbers = [f for f in fields if f.type in NUMBER_TYPES]
    if len(numbers) >= TABLE_THRESHOLD:
        scalars = tuple(f for f in fields if f.type in SCALAR_TYPES)
        names = {f.name for f in numbers}
        estimate = next((f for f in numbers if f.name not in INTERVAL_FIELDS), None)
        if estimate is not None and all(n in names for n in INTERVAL_FIELDS):
            # the verdict and its plot first, the table of every number under them
            low, high = (spec.output_field(n) for n in INTERVAL_FIELDS)
            views.append(OutputView("interval", (estimate, low, high)))  # type: ignore[arg-type]
        views.append(OutputView("table", scalars))
        used |= {f.name for f in scalars}
    else:
        label = next((f for f in fields if f.type == "label"), None)
        if label is not None:
            scores = next((f for f in fields if f.type == "json"), None)
            score = next((f for f in fields if f.type == "number"), None)
            views.append(OutputView("label", (label,), scores=scores, score=score))
            used |= {label.name} | {f.name for f in (scores, score) if f is not None}
    for f in fields:
        if f.name in used:
            continue
        if f.type == "text":
            views.append(OutputView("text", (f,)))
            used.add(f.name)
        elif f.type in ("text_list", "labels"):
            scores = next((s for s in fields if s.type == "json" and s.name not in used), None)
            views.append(OutputView("chips", (f,), scores=scores))
            used |= {f.name} | ({scores.name} if scores else set())
    from nlpsuite.web.reference_scores import reference_bindings

    if reference_bindings(spec):
        views.append(OutputView("scores"))
    views.append(OutputView("model"))
    views.append(OutputView("details"))
    hidden = tuple(f for f in fields if f.name not in used)
    return OutputPlan(tuple(views), hidden)


# -- values ---------------------------------------------------------------------------------------
def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def format_value(value: Any) -> str:
    """A value as a person reads it: numbers rounded, a mapping as ``name: value`` pairs (never JSON)."""
    if value is None:
        return "–"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return str(value)


def label_value(view: OutputView, output: Mapping[str, Any]) -> Any:
    """What a Label component shows: probabilities per label, or the label alone."""
    label = output.get(view.fields[0].name)
    scores = output.get(view.scores.name) if view.scores else None
    if isinstance(scores, Mapping) and scores and all(_finite(v) for v in scores.values()):
        return {str(k): float(v) for k, v in scores.items()}
    score = output.get(view.score.name) if view.score else None
    if label is not None and _finite(score):
        return {str(label): float(score)}
    return None if label is None else str(label)


def chips_value(view: OutputView, output: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(text, shade) pairs for highlighted chips; shades in [-1, 1] are drawn as intensity."""
    items = output.get(view.fields[0].name) or []
    scores = output.get(view.scores.name) if view.scores else None
    if isinstance(scores, Mapping):
        shades = [scores.get(item) for item in items]
    elif isinstance(scores, Sequence) and not isinstance(scores, str) and len(scores) == len(items):
        shades = list(scores)
    else:
        shades = [None] * len(items)
    pairs: list[tuple[str, Any]] = []
    for item, shade in zip(items, shades):
        if pairs:
            pairs.append(("  ", None))
        if _finite(shade):
            shade = round(float(shade), 3) if -1 <= shade <= 1 else format_value(shade)
        else:
            shade = "·" if shade is None else str(shade)
        pairs.append((str(item), shade))
    return pairs


def table_value(view: OutputView, output: Mapping[str, Any]) -> list[list[str]]:
    """Rows of (output, value, meaning) for the fields present in ``output``; a field is named as its
    label (``p value method``), so a narrow column wraps between words, never inside a name."""
    return [[f.name.replace("_", " "), format_value(output.get(f.name)), f.description]
            for f in view.fields if output.get(f.name) is not None]


def interval_verdict(view: OutputView, output: Mapping[str, Any]) -> str:
    """One sentence on the estimate's interval: whether it tells the estimate's sign."""
    estimate = view.fields[0]
    value, low, high = (output.get(f.name) for f in view.fields)
    if not all(_finite(v) for v in (value, low, high)):
        return ""
    name = estimate.name.replace("_", " ")
    where = ("lies above 0" if low > 0 else "lies below 0" if high < 0
             else "includes 0: this result does not tell whether it is above or below 0")
    return f"{name} is {format_value(value)}; its interval [{format_value(low)}, {format_value(high)}] {where}."


def interval_svg(view: OutputView, output: Mapping[str, Any], width: int = 560) -> str:
    """A dot at the estimate and a whisker over its interval, on an axis symmetric about zero."""
    estimate, low_field, high_field = view.fields
    value, low, high = (output.get(f.name) for f in view.fields)
    if not all(_finite(v) for v in (value, low, high)):
        return ""
    bound = max(abs(value), abs(low), abs(high), 1e-9) * 1.1
    left, right, y = 20, width - 20, 34

    def x(v: float) -> float:
        return left + (right - left) * (v + bound) / (2 * bound)

    name = html.escape(estimate.name.replace("_", " "))
    label = html.escape(f"{name} = {value:.3g}  [{low:.3g}, {high:.3g}]")
    return (
        f'<svg role="img" aria-label="{label}" width="{width}" height="64" viewBox="0 0 {width} 64" '
        'style="font-family:system-ui,sans-serif;font-size:12px">'
        f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#bbb"/>'
        f'<line x1="{x(0):.1f}" y1="{y - 10}" x2="{x(0):.1f}" y2="{y + 10}" stroke="#888" stroke-dasharray="3,2"/>'
        f'<text x="{x(0):.1f}" y="{y + 24}" text-anchor="middle" fill="#888">0</text>'
        f'<line x1="{x(low):.1f}" y1="{y}" x2="{x(high):.1f}" y2="{y}" stroke="#4a78b5" stroke-width="3"/>'
        f'<circle cx="{x(value):.1f}" cy="{y}" r="5" fill="#222"/>'
        f'<text x="{width / 2:.0f}" y="14" text-anchor="middle" fill="#222">{label}</text>'
        "</svg>"
    )


def model_markdown(model: ModelInfo | None, output: Mapping[str, Any]) -> str:
    """The model actually used, any fallback notice and the output's warnings."""
    if model is None:
        return ""
    where = {"registered": "registered", "local": "local directory", "hub": "Hugging Face hub"}.get(model.origin, model.origin)
    lines = [f"**Model used:** `{model.name}` ({where}; {model.device}, {model.dtype})"]
    if model.notice:
        lines.append(f"> ⚠️ **Fallback:** {_md(model.notice)}")
    for warning in output.get(WARNINGS_KEY) or []:
        lines.append(f"> ⚠️ {_md(warning)}")
    return "\n\n".join(lines)


def _md(text: str) -> str:
    return html.escape(str(text), quote=False).replace("*", "\\*").replace("_", "\\_")


def details_value(plan: OutputPlan, output: Mapping[str, Any], model: ModelInfo | None) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if output.get(WARNINGS_KEY):
        details[WARNINGS_KEY] = list(output[WARNINGS_KEY])
    if output.get(DETAILS_KEY):
        details[DETAILS_KEY] = dict(output[DETAILS_KEY])
    for f in plan.hidden:
        if output.get(f.name) is not None:
            details[f.name] = output[f.name]
    if model is not None:
        details["model"] = visible_model(model)
    return details


#: What Details shows of the model used: what a visitor needs, not where it lives on the server.
VISIBLE_MODEL_FIELDS = ("name", "origin", "kind", "revision", "fallback", "notice", "device", "dtype")


def visible_model(model: ModelInfo) -> dict[str, Any]:
    info = model.to_dict()
    return {key: info[key] for key in VISIBLE_MODEL_FIELDS if info.get(key) is not None}


def render(plan: OutputPlan, output: Mapping[str, Any], model: ModelInfo | None,
           scores: list[list[str]] | None = None) -> list[Any]:
    """The value of every planned component, in plan order, for one output record (and the scores against
    the visitor's reference, when one was given)."""
    values: list[Any] = []
    for view in plan.views:
        if view.kind == "error":
            values.append("")
        elif view.kind == "table":
            values.append(table_value(view, output))
        elif view.kind == "interval":
            verdict = interval_verdict(view, output)
            plot = interval_svg(view, output)
            values.append(f'<p class="nlpsuite-verdict"><b>{html.escape(verdict)}</b></p>{plot}' if verdict else plot)
        elif view.kind == "label":
            values.append(label_value(view, output))
        elif view.kind == "text":
            value = output.get(view.fields[0].name)
            values.append("" if value is None else str(value))
        elif view.kind == "chips":
            values.append(chips_value(view, output))
        elif view.kind == "scores":
            values.append(scores or [])
        elif view.kind == "model":
            values.append(model_markdown(model, output))
        else:
            values.append(details_value(plan, output, model))
    return values


def render_error(plan: OutputPlan, message: str) -> list[Any]:
    """The planned components' values after a failure: ``message`` in the error area, the rest emptied."""
    return [message if view.kind == "error" else EMPTY_VALUES[view.kind] for view in plan.views]


#: What each view holds when it shows nothing (a cleared Label needs ``None``, chips an empty list).
EMPTY_VALUES: dict[str, Any] = {"table": [], "interval": "", "label": None, "text": "", "chips": [], "scores": [],
                                "model": "", "details": None}


def build_components(plan: OutputPlan) -> list[Any]:
    """A rendered Gradio component per planned view (inside the caller's layout context)."""
    import gradio as gr

    components: list[Any] = []
    for view in plan.views:
        if view.kind == "error":
            components.append(gr.Markdown(elem_classes=["nlpsuite-error"]))
        elif view.kind == "table":
            components.append(gr.Dataframe(headers=["output", "value", "meaning"], label=view.title,
                                           interactive=False, wrap=True, column_widths=["26%", "18%", "56%"],
                                           elem_classes=["nlpsuite-table"]))
        elif view.kind == "interval":
            components.append(gr.HTML(label=view.title))
        elif view.kind == "scores":
            components.append(gr.Dataframe(headers=["metric", "value", "better"], label=view.title,
                                           interactive=False, wrap=True, elem_classes=["nlpsuite-table"]))
        elif view.kind == "label":
            components.append(gr.Label(label=view.title, num_top_classes=10))
        elif view.kind == "text":
            components.append(gr.Textbox(label=view.title, lines=3, interactive=False, buttons=["copy"]))
        elif view.kind == "chips":
            components.append(gr.HighlightedText(label=view.title, show_legend=False, combine_adjacent=False,
                                                 show_inline_category=True))
        elif view.kind == "model":
            components.append(gr.Markdown())
        else:
            with gr.Accordion("Details and warnings", open=False):
                components.append(gr.JSON(label=view.title))
    return components
