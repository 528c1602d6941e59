"""The Gradio component for a declared field: chosen from its type, choices and bounds only.

* choices → a dropdown (several values for list types);
* boolean → a checkbox (a true/false dropdown that may stay empty when no default is declared);
* integer/number → a number box with its declared range in its help line (the host checks the range and
  names the field when a value is outside it: Gradio's own bounds check names no field, and a slider
  silently clamps what is typed into it); a textbox when no default is declared (empty: not given);
* labels/text_list → a textbox taking comma-separated values;
* json → a code-like textbox (a bare word such as a test name is accepted as text);
* path → a file upload for inputs of data, a textbox otherwise;
* text → a textbox, several lines for a required text field (the task's main input).
"""

from __future__ import annotations

from typing import Any

from nlpsuite.arguments import accepted
from nlpsuite.specs import FieldSpec
from nlpsuite.web.values import LIST_TYPES, to_ui

def label_for(field: FieldSpec) -> str:
    return field.name.replace("_", " ")


def info_for(field: FieldSpec) -> str:
    """The help line under a component: the declaration's description and what it accepts."""
    what = accepted(field)
    description = field.description.strip()
    if field.type in ("text", "json") and not field.choices:
        return description
    return f"{description} ({what})" if description else what


#: A boolean without a default can be left unset: a dropdown of these instead of a checkbox.
UNSET_BOOLEAN_CHOICES = ["true", "false"]


def initial_value(field: FieldSpec) -> Any:
    """What ``field``'s component holds before anyone touches it (and what the page sends for it)."""
    if field.type == "boolean":
        return bool(field.default) if field.default is not None else None
    return to_ui(field, field.default)


def component_for(field: FieldSpec, *, main: bool = False, note: str | None = None) -> Any:
    """A new, rendered Gradio component for ``field``; ``main`` marks the task's main text input; ``note``
    is added to its help line (a limit, such as the characters a request may carry)."""
    import gradio as gr

    label = label_for(field)
    info = "; ".join(part for part in (info_for(field), note) if part) or None
    shown = initial_value(field)
    kind = field.type
    if field.choices:
        return gr.Dropdown(
            choices=list(field.choices), value=shown, label=label, info=info,
            multiselect=kind in LIST_TYPES, allow_custom_value=False,
        )
    if kind == "boolean" and field.default is None:
        return gr.Dropdown(choices=UNSET_BOOLEAN_CHOICES, value=None, label=label, info=f"{info or ''} (empty: not set)")
    if kind == "boolean":
        return gr.Checkbox(value=shown, label=label, info=info)
    if kind in ("integer", "number") and field.default is None:
        # the page sends 0 for an empty number box; a textbox may stay empty (the setting is then not given)
        return gr.Textbox(value=None, label=label, info=info, placeholder=f"not set ({accepted(field)})")
    if kind in ("integer", "number"):
        return gr.Number(value=shown, label=label, info=info)
    if kind == "json":
        return gr.Textbox(value=shown, label=label, info=info, lines=3 if main else 1, max_lines=20,
                          placeholder='a name, or JSON such as {"key": "value"}')
    if kind == "path":
        return gr.File(label=f"{label} (file)", file_count="single", type="filepath")
    if kind in LIST_TYPES:
        return gr.Textbox(value=shown, label=label, info=info, placeholder="comma-separated, e.g. a, b, c")
    return gr.Textbox(value=shown, label=label, info=info, lines=4 if main else 1, max_lines=30 if main else 3,
                      placeholder=field.description or None)
