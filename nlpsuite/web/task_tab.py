"""A task's tab, built from its :class:`~nlpsuite.specs.TaskSpec` alone (a third-party task needs no UI code).

Inputs come from ``input_fields``, task settings from ``arguments``, generation
settings (in their own accordion, only when declared) from
``generation_settings``, the examples from ``examples``; the outputs are laid
out by :mod:`nlpsuite.web.output_views`.  A task whose model can stream gets a
streaming handler.
"""

from __future__ import annotations

import re
from typing import Any

from nlpsuite.registry import get_models
from nlpsuite.specs import TaskSpec
from nlpsuite.web.field_components import component_for
from nlpsuite.web.output_views import build_components, plan_outputs, render
from nlpsuite.web.task_form import DEFAULT_MODEL_CHOICE, TaskForm
from nlpsuite.web.task_runner import TaskRunner, hub_model_notice
from nlpsuite.web.user_errors import readable_errors
from nlpsuite.web.values import to_ui

MODEL_INFO = ("the task's default, a registered model, or type a hub id (org/name or org/name@revision) "
              "or the path of a local model directory")


def slug(name: str) -> str:
    """A task name as an identifier (API endpoint names, element ids)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def endpoint_name(spec: TaskSpec) -> str:
    """The API endpoint of a task's tab: ``/<task>`` for gradio_client (``api_name="/sentiment"``)."""
    return slug(spec.name)


def model_choices(spec: TaskSpec) -> list[tuple[str, str]]:
    """(shown, value) pairs: the task default first, then every registered model made for the task."""
    choices: list[tuple[str, str]] = []
    if spec.default_model or spec.default_model_for or spec.fallback_model:
        default = spec.default_model or spec.fallback_model
        if spec.default_model_for is not None:
            default = f"picked from the inputs, e.g. {default}" if default else "picked from the inputs"
        shown = f"task default: {default}"
        if spec.fallback_model and spec.fallback_model != spec.default_model:
            shown += f" (embedded {spec.fallback_model} when offline)"
        choices.append((shown, DEFAULT_MODEL_CHOICE))
    for model in get_models():
        if model.tasks and spec.name not in model.tasks:
            continue
        choices.append((f"{model.name} (embedded)" if model.embedded else model.name, model.name))
    return choices


def build_task_tab(spec: TaskSpec, runner: TaskRunner) -> None:
    """Render the tab for ``spec`` inside the current ``gr.Tabs`` and wire its handler."""
    import gradio as gr

    form = TaskForm(spec)
    plan = plan_outputs(spec)
    notice = hub_model_notice(spec, runner.session.offline)
    tag = slug(spec.name)
    with gr.Tab(spec.name, id=f"task-{tag}", elem_id=f"tab-{tag}"):
        gr.Markdown(f"{spec.description}")
        if notice:
            gr.Markdown(f"> ⚠️ {notice}", elem_id=f"{tag}-notice")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                main = form.main_field
                inputs = [component_for(f, main=f is main) for f in form.input_fields]
                for component, f in zip(inputs, form.input_fields):
                    component.elem_id = f"{tag}-input-{slug(f.name)}"
                arguments: list[Any] = []
                if form.argument_fields:
                    with gr.Accordion("Task settings", open=False):
                        arguments = [component_for(f) for f in form.argument_fields]
                generation: list[Any] = []
                if form.generation_fields:
                    with gr.Accordion("Generation settings", open=False):
                        generation = [component_for(f) for f in form.generation_fields]
                model = gr.Dropdown(
                    choices=model_choices(spec),
                    value=None if notice and not spec.fallback_model else DEFAULT_MODEL_CHOICE,
                    allow_custom_value=True, label="Model", info=MODEL_INFO, elem_id=f"{tag}-model",
                )
                run = gr.Button("Run", variant="primary", elem_id=f"{tag}-run")
                if spec.examples:
                    gr.Examples(
                        examples=[[to_ui(f, dict(example).get(f.name)) for f in form.input_fields]
                                  for example in spec.examples],
                        inputs=inputs, label="Examples (click one to fill the inputs)",
                    )
            with gr.Column(scale=1):
                outputs = build_components(plan)
                for component, view in zip(outputs, plan.views):
                    component.elem_id = f"{tag}-output-{view.kind}"

        if "stream" in spec.capabilities:
            def handler(*values: Any) -> Any:
                request = form.request(values)
                for result in runner.stream(spec, request):
                    yield render(plan, result.output, result.model)
        else:
            def handler(*values: Any) -> Any:
                result = runner.run(spec, form.request(values))
                return render(plan, result.output, result.model)

        handler.__name__ = f"run_{tag}"
        run.click(
            readable_errors(handler), inputs=[*inputs, *arguments, *generation, model], outputs=outputs,
            api_name=endpoint_name(spec), concurrency_limit=runner.settings.concurrency,
            concurrency_id=f"task-{tag}",
        )
