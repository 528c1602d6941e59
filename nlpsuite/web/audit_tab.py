"""The Audit tab: pick a task, a dataset, a model and perturbation families; run a counterfactual audit."""

from __future__ import annotations

from typing import Any

from nlpsuite.web.audit_view import (
    DISPARITY_HEADERS,
    GROUP_HEADERS,
    AuditSettings,
    auditable_tasks,
    perturbation_choices,
    run_audit_view,
)
from nlpsuite.web.dataset_controls import build_dataset_controls, read_choice
from nlpsuite.web.task_runner import TaskRunner
from nlpsuite.web.user_errors import inline_errors
from nlpsuite.web.values import whole_number

#: The families ticked when the tab opens (when registered): gender terms and first names by gender.
DEFAULT_FAMILIES = ("gender", "names")


def build_audit_tab(runner: TaskRunner, task_names: tuple[str, ...] = ()) -> None:
    import gradio as gr

    specs = auditable_tasks(task_names)
    families = perturbation_choices()
    if not specs or not families:
        return
    ticked = [value for _, value in families if value in DEFAULT_FAMILIES] or [families[0][1]]
    defaults = AuditSettings()
    with gr.Tab("Audit", id="audit", elem_id="tab-audit"):
        gr.Markdown("Counterfactual bias audit: each input is rewritten by the chosen perturbations (e.g. *he* → "
                    "*she*, one first name for another), the model runs on originals and variants, and the outputs "
                    "are compared: label flip rates with Wilson CIs and McNemar's paired test, score changes and "
                    "swap-back similarity with bootstrap CIs over inputs, the task's metrics per group. A slice with "
                    "too few inputs reads *insufficient evidence*. Predictions are cached, so asking again is instant.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                controls = build_dataset_controls(runner, specs, "audit", with_labels=False)
                perturbations = gr.CheckboxGroup(choices=families, value=ticked, label="Perturbation families",
                                                 info="every registered perturbation, a plugin's too",
                                                 elem_id="audit-perturbations")
                with gr.Accordion("Audit settings", open=False):
                    limit = gr.Number(label="Limit", value=0,
                                      info="0: every input; N: only the first N (marks the audit non-reportable)")
                    min_inputs = gr.Number(label="Min inputs", value=defaults.min_inputs,
                                           info="fewest original inputs a slice needs for an estimate (at least 1)")
                    bootstrap = gr.Number(label="Bootstrap resamples", value=defaults.n_bootstrap,
                                          info="over original inputs; 0: no bootstrap CIs (at most 10,000)")
                    seed = gr.Number(label="Seed", value=defaults.seed, info="a whole number")
                run = gr.Button("Audit", variant="primary", elem_id="audit-run")
            with gr.Column(scale=3):
                error = gr.Markdown(elem_id="audit-error", elem_classes=["nlpsuite-error"])
                summary = gr.Markdown(elem_id="audit-summary")
                disparity = gr.Dataframe(headers=DISPARITY_HEADERS, label="Disparities per direction (95% CIs)",
                                         interactive=False, wrap=True, elem_id="audit-disparity", max_height=1200,
                                         elem_classes=["nlpsuite-table"],
                                         column_widths=["14%", "13%", "16%", "8%", "13%", "14%", "9%", "13%"])
                groups = gr.Dataframe(headers=GROUP_HEADERS, label="Metrics by group (95% bootstrap CIs)",
                                      interactive=False, wrap=True, elem_id="audit-groups", max_height=1200,
                                      elem_classes=["nlpsuite-table"],
                                      column_widths=["14%", "14%", "9%", "13%", "13%", "8%", "16%", "13%"])
                pairs = gr.HTML(label="Worst counterfactual pairs", elem_id="audit-pairs")
                files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="audit-files")

        def audit(*values: Any, progress: Any = gr.Progress(track_tqdm=True)) -> Any:
            *form_values, chosen, limit_value, min_inputs_value, bootstrap_value, seed_value = values
            choice = read_choice(controls, form_values)
            view = run_audit_view(
                runner, choice.task, list(chosen or ()), upload=choice.upload, model=choice.model,
                limit=whole_number("Limit", limit_value, 0, minimum=0) or None, columns=choice.columns,
                settings=AuditSettings(
                    seed=whole_number("Seed", seed_value, defaults.seed, minimum=None),
                    n_bootstrap=whole_number("Bootstrap resamples", bootstrap_value, defaults.n_bootstrap,
                                              minimum=0, maximum=10_000),
                    min_inputs=whole_number("Min inputs", min_inputs_value, defaults.min_inputs, minimum=1),
                ),
                progress=lambda fraction, desc: progress(fraction, desc=desc),
            )
            return "", view.summary, view.disparity, view.groups, view.pairs, view.files

        def failed(message: str) -> Any:
            return message, "", [], [], "", None

        run.click(
            inline_errors(audit, failed),
            inputs=[*controls.inputs(), perturbations, limit, min_inputs, bootstrap, seed],
            outputs=[error, summary, disparity, groups, pairs, files], api_name="audit", concurrency_limit=1,
            concurrency_id="audit",
        )

