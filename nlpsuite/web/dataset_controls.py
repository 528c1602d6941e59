"""The dataset and model controls the Evaluate and Audit tabs share: task, dataset source, upload, the column
form, the label table (Evaluate) and the Model dropdown, with the events that keep them in step.

What the form means is decided in :mod:`~nlpsuite.web.dataset_form`; this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.specs import TaskSpec
from nlpsuite.web.dataset_form import (
    COLUMN_SLOTS,
    SAME_NAME,
    column_mapping,
    dataset_fields,
    file_columns,
    label_map,
    label_reference,
    label_rows,
)
from nlpsuite.web.evaluation_view import UPLOAD_SUFFIXES, readable_size
from nlpsuite.web.model_choice import DEFAULT_MODEL_CHOICE
from nlpsuite.web.task_runner import TaskRunner

SAMPLE = "the task's sample dataset"
UPLOADED = "an uploaded file"
LABEL_HEADERS = ["label in your file", "label the model gives"]


@dataclass
class DatasetControls:
    """The rendered controls; :meth:`inputs` is their order in the tab's handler (and its API endpoint)."""

    specs: list[TaskSpec]
    task: Any
    source: Any
    upload: Any
    columns_box: Any
    slots: list[Any]
    labels: Any | None
    model: Any

    def inputs(self) -> list[Any]:
        return [self.task, self.source, self.upload, *self.slots, *([self.labels] if self.labels else []), self.model]

    def spec(self, name: str) -> TaskSpec:
        return next((s for s in self.specs if s.name == name), self.specs[0])


@dataclass(frozen=True)
class DatasetChoice:
    """What the controls ask for: the task, an upload (``None``: the sample) with its mappings, the model."""

    task: str
    upload: str | None
    columns: dict[str, str]
    label_map: dict[str, str]
    model: str | None


def read_choice(controls: DatasetControls, values: Sequence[Any]) -> DatasetChoice:
    """The handler's values for :meth:`DatasetControls.inputs`, as one :class:`DatasetChoice`."""
    values = list(values)
    task, source, upload = values[:3]
    slots = values[3:3 + COLUMN_SLOTS]
    rest = values[3 + COLUMN_SLOTS:]
    table = rest[0] if controls.labels is not None else None
    model = rest[-1]
    uploaded = source == UPLOADED
    if uploaded and not upload:
        raise UsageError("no dataset file uploaded",
                         hint=f"upload a {'/'.join(UPLOAD_SUFFIXES)} file, or pick the task's sample dataset")
    spec = controls.spec(task)
    return DatasetChoice(
        task=spec.name, upload=upload if uploaded else None,
        columns=column_mapping(spec, slots) if uploaded else {},
        label_map=label_map(table) if uploaded else {},
        model=None if not model or model == DEFAULT_MODEL_CHOICE else model,
    )


def safe_label_rows(spec: TaskSpec, path: str | None, chosen: Sequence[str | None]) -> list[list[str]]:
    """The label table's rows, or none for a file that cannot be read: the run itself then says what is
    wrong with the file, in the tab's error area (a failing form event would show a toast with its path)."""
    try:
        return label_rows(spec, path, chosen)
    except Exception:  # noqa: BLE001
        return []


def build_dataset_controls(runner: TaskRunner, specs: list[TaskSpec], tag: str, *, with_labels: bool) -> DatasetControls:
    """Render the controls (inside the caller's column) and wire the events between them."""
    import gradio as gr

    from nlpsuite.web.task_tab import model_dropdown

    first = specs[0]
    task = gr.Dropdown(choices=[s.name for s in specs], value=first.name, label="Task", elem_id=f"{tag}-task")
    source = gr.Radio(choices=[SAMPLE, UPLOADED], value=SAMPLE, label="Dataset", elem_id=f"{tag}-source")
    upload = gr.File(label=f"Dataset file ({', '.join(UPLOAD_SUFFIXES)}; at most "
                     f"{readable_size(runner.settings.max_upload_bytes)})", file_types=list(UPLOAD_SUFFIXES),
                     type="filepath", visible=False, elem_id=f"{tag}-upload")
    with gr.Group(visible=False, elem_id=f"{tag}-columns") as columns_box:
        gr.Markdown("**Columns** — which column of your file holds each field")
        # a column name (never a path) may be typed: API callers cannot see the upload's columns, and the
        # harness refuses a column the file lacks
        slots = [gr.Dropdown(choices=[SAME_NAME], value=SAME_NAME, visible=False, interactive=True,
                             allow_custom_value=True, elem_id=f"{tag}-column-{i}") for i in range(COLUMN_SLOTS)]
    labels = None
    if with_labels:
        labels = gr.Dataframe(headers=LABEL_HEADERS, column_count=2, column_limits=(2, 2), row_count=1, type="array",
                              datatype=["str", "str"], interactive=True, visible=False, wrap=True,
                              label="Label map — fill in the model's label where your file names it otherwise "
                                    "(pos/neg, 1/0 and other cases are matched on their own)",
                              elem_id=f"{tag}-label-map")
    model = model_dropdown(first, runner.policy, value=DEFAULT_MODEL_CHOICE, elem_id=f"{tag}-model")
    controls = DatasetControls(specs, task, source, upload, columns_box, slots, labels, model)

    def form(name: str, choice: str, path: str | None, *chosen: str | None) -> list[Any]:
        """The column dropdowns and label table for the task and the uploaded file."""
        spec = controls.spec(name)
        shown = choice == UPLOADED
        fields = dataset_fields(spec)
        try:
            columns = file_columns(path) if shown and path else []
        except Exception:  # noqa: BLE001 - a broken file: the run itself says what is wrong with it
            columns = []
        updates: list[Any] = [gr.update(visible=shown), gr.update(visible=shown and bool(path))]
        picked: list[str | None] = []
        for i in range(COLUMN_SLOTS):
            if i >= len(fields) or not columns:
                updates.append(gr.update(visible=False, value=SAME_NAME))
                picked.append(None)
                continue
            field = fields[i]
            keep = chosen[i] if i < len(chosen) and chosen[i] in columns else None
            value = keep or (field.name if field.name in columns else SAME_NAME)
            picked.append(value)
            updates.append(gr.update(visible=True, label=field.label, choices=[SAME_NAME, *columns], value=value))
        if labels is not None:
            rows = safe_label_rows(spec, path, picked) if shown and columns else []
            updates.append(gr.update(visible=shown and label_reference(spec) is not None and bool(path), value=rows))
        return updates

    form_outputs = [upload, columns_box, *slots, *([labels] if labels is not None else [])]
    form_inputs = [task, source, upload, *slots]
    for trigger in (source.change, upload.change):
        trigger(form, inputs=form_inputs, outputs=form_outputs, api_visibility="private")

    def on_task(name: str, choice: str, path: str | None, *chosen: str | None) -> list[Any]:
        spec = controls.spec(name)
        return [gr.update(choices=runner.policy.choices(spec), value=DEFAULT_MODEL_CHOICE),
                *form(name, choice, path)]

    task.change(on_task, inputs=form_inputs, outputs=[model, *form_outputs], api_visibility="private")
    if labels is not None:
        def on_columns(name: str, choice: str, path: str | None, *chosen: str | None) -> Any:
            spec = controls.spec(name)
            return gr.update(value=safe_label_rows(spec, path, chosen) if choice == UPLOADED else [])

        for slot in slots:
            slot.input(on_columns, inputs=form_inputs, outputs=labels, api_visibility="private")
    return controls
