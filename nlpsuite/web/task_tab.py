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

from nlpsuite.specs import TaskSpec
from nlpsuite.web.field_components import component_for
from nlpsuite.web.model_choice import ModelPolicy
from nlpsuite.web.output_views import OutputPlan, build_components, plan_outputs, render, render_error
from nlpsuite.web.page_wording import page_text
from nlpsuite.web.tab_status import tab_status
from nlpsuite.web.task_form import TaskForm
from nlpsuite.web.task_runner import TaskResult, TaskRunner
from nlpsuite.web.user_errors import error_markdown, inline_errors
from nlpsuite.web.values import to_ui

MODEL_INFO = "the task's default, a model registered here, or a local model this server offers"
MODEL_INFO_HUB = f"{MODEL_INFO}; or type a hub id (org/name or org/name@revision)"


def slug(name: str) -> str:
    """A task name as an identifier (API endpoint names, element ids)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def endpoint_name(spec: TaskSpec) -> str:
    """The API endpoint of a task's tab: ``/<task>`` for gradio_client (``api_name="/sentiment"``)."""
    return slug(spec.name)


def model_dropdown(spec: TaskSpec, policy: ModelPolicy, *, value: str | None, elem_id: str) -> Any:
    """The Model dropdown: only what the server offers; a typed value only where hub ids are allowed."""
    import gradio as gr

    return gr.Dropdown(choices=policy.choices(spec), value=value, allow_custom_value=policy.allow_hub,
                       label="Model", info=MODEL_INFO_HUB if policy.allow_hub else MODEL_INFO, elem_id=elem_id)


def answer(plan: OutputPlan, outcome: TaskResult | Exception) -> list[Any]:
    """The tab's output values for one request's outcome: its result, or its error with the rest emptied."""
    if isinstance(outcome, Exception):
        return render_error(plan, error_markdown(outcome))
    return render(plan, outcome.output, outcome.model, outcome.scores)


def build_task_tab(spec: TaskSpec, runner: TaskRunner) -> None:
    """Render the tab for ``spec`` inside the current ``gr.Tabs`` and wire its handler."""
    import gradio as gr

    form = TaskForm(spec)
    plan = plan_outputs(spec)
    policy = runner.policy
    status = tab_status(spec, policy, offline=bool(runner.session.offline))
    limit = f"up to {runner.settings.max_input_chars:,} characters"
    tag = slug(spec.name)
    with gr.Tab(spec.name, id=f"task-{tag}", elem_id=f"tab-{tag}"):
        gr.Markdown(page_text(spec.description))  # a plugin's description may speak CLI ("--src/--tgt")
        if status.notice:
            gr.Markdown(f"> **{'Note' if status.runnable else 'Cannot run here'}:** {status.notice}",
                        elem_id=f"{tag}-notice")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                main = form.main_field
                inputs = [component_for(f, main=f is main, note=limit if f is main else None)
                          for f in form.input_fields]
                for component, f in zip(inputs, form.input_fields):
                    component.elem_id = f"{tag}-input-{slug(f.name)}"
                references = [component_for(f) for f in form.reference_fields]
                for component in references:
                    component.elem_id = f"{tag}-reference"
                arguments: list[Any] = []
                if form.argument_fields:
                    with gr.Accordion("Task settings", open=False):
                        arguments = [component_for(f) for f in form.argument_fields]
                generation: list[Any] = []
                settings_box = None
                if form.generation_fields:
                    # shown only while the chosen model generates (not for an extractive fallback)
                    with gr.Accordion("Generation settings", open=False,
                                      visible=policy.generates(status.default_answer) or not status.default_usable,
                                      elem_id=f"{tag}-generation") as settings_box:
                        generation = [component_for(f) for f in form.generation_fields]
                model = model_dropdown(spec, policy, value=policy.first_choice(spec, status.default_usable),
                                       elem_id=f"{tag}-model")
                run = gr.Button("Run", variant="primary", elem_id=f"{tag}-run", interactive=status.runnable)
                if spec.examples and status.runnable:
                    gr.Examples(
                        examples=[[to_ui(f, dict(example).get(f.name)) for f in form.input_fields]
                                  for example in spec.examples],
                        inputs=inputs, label="Examples (click one to fill the inputs)",
                    )
            with gr.Column(scale=1):
                outputs = build_components(plan)
                for component, view in zip(outputs, plan.views):
                    component.elem_id = f"{tag}-output-{view.kind}"

        if settings_box is not None:
            def on_model(choice: str | None) -> Any:
                try:
                    reference = policy.resolve(spec, choice).reference
                except Exception:  # noqa: BLE001 - a refused choice: the run will say why
                    return gr.update()
                return gr.update(visible=policy.generates(status.default_answer if reference is None else reference))

            model.change(on_model, inputs=model, outputs=settings_box, api_visibility="private")

        wire_handler(spec, runner, form, plan, run, [*inputs, *references, *arguments, *generation, model], outputs)


def wire_handler(spec: TaskSpec, runner: TaskRunner, form: TaskForm, plan: OutputPlan, run: Any,
                 inputs: list[Any], outputs: list[Any]) -> None:
    """Run on click: streamed when the task can stream, else batched across the users waiting in the queue
    (requests that arrive while the model is busy are answered together, each with its own outcome)."""
    tag = slug(spec.name)
    common = dict(inputs=inputs, outputs=outputs, api_name=endpoint_name(spec),
                  concurrency_limit=runner.settings.concurrency, concurrency_id=f"task-{tag}")
    if "stream" in spec.capabilities:
        def streamed(*values: Any) -> Any:
            for result in runner.stream(spec, form.request(values)):
                yield answer(plan, result)

        streamed.__name__ = f"run_{tag}"
        run.click(inline_errors(streamed, lambda message: render_error(plan, message)), **common)
        return

    def batched(*columns: list[Any]) -> list[list[Any]]:
        requests: list[Any] = []
        for values in zip(*columns):
            try:
                requests.append(form.request(values))
            except Exception as exc:  # noqa: BLE001 - this request's values do not fit; the others run
                requests.append(exc)
        rows = [answer(plan, outcome) for outcome in runner.run_many(spec, requests)]
        return [list(column) for column in zip(*rows)]

    batched.__name__ = f"run_{tag}"
    run.click(batched, batch=True, max_batch_size=runner.settings.max_batch_size, **common)
