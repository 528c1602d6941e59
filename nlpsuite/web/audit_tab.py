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
from nlpsuite.web.evaluate_tab import SAMPLE, UPLOADED, wire_dataset_controls
from nlpsuite.web.evaluation_view import UPLOAD_SUFFIXES, readable_size
from nlpsuite.web.task_form import DEFAULT_MODEL_CHOICE
from nlpsuite.web.task_runner import TaskRunner
from nlpsuite.web.task_tab import MODEL_INFO, model_choices
from nlpsuite.web.user_errors import readable_errors

#: The families ticked when the tab opens (when registered): gender terms and first names by gender.
DEFAULT_FAMILIES = ("gender", "names")


def build_audit_tab(runner: TaskRunner, task_names: tuple[str, ...] = ()) -> None:
    import gradio as gr

    specs = auditable_tasks(task_names)
    families = perturbation_choices()
    if not specs or not families:
        return
    first = specs[0]
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
                task = gr.Dropdown(choices=[s.name for s in specs], value=first.name, label="Task", elem_id="audit-task")
                source = gr.Radio(choices=[SAMPLE, UPLOADED], value=SAMPLE, label="Dataset", elem_id="audit-source")
                upload = gr.File(label=f"Dataset file ({', '.join(UPLOAD_SUFFIXES)}; at most "
                                 f"{readable_size(runner.settings.max_upload_bytes)})", file_types=list(UPLOAD_SUFFIXES),
                                 type="filepath", visible=False, elem_id="audit-upload")
                columns = gr.Textbox(label="Columns (optional)", visible=False,
                                     info="field=column pairs when the file's column names differ, e.g. text=review,label=stars")
                model = gr.Dropdown(choices=model_choices(first), value=DEFAULT_MODEL_CHOICE, allow_custom_value=True,
                                    label="Model", info=MODEL_INFO, elem_id="audit-model")
                perturbations = gr.CheckboxGroup(choices=families, value=ticked, label="Perturbation families",
                                                 info="every registered perturbation, a plugin's too",
                                                 elem_id="audit-perturbations")
                with gr.Accordion("Audit settings", open=False):
                    limit = gr.Number(label="Limit", value=0, precision=0, minimum=0,
                                      info="0: every input; N: only the first N (marks the audit non-reportable)")
                    min_inputs = gr.Number(label="Min inputs", value=defaults.min_inputs, precision=0, minimum=1,
                                           info="fewest original inputs a slice needs for an estimate")
                    bootstrap = gr.Number(label="Bootstrap resamples", value=defaults.n_bootstrap, precision=0,
                                          minimum=0, maximum=10_000, info="over original inputs; 0: no bootstrap CIs")
                    seed = gr.Number(label="Seed", value=defaults.seed, precision=0)
                run = gr.Button("Audit", variant="primary", elem_id="audit-run")
            with gr.Column(scale=3):
                summary = gr.Markdown(elem_id="audit-summary")
                disparity = gr.Dataframe(headers=DISPARITY_HEADERS, label="Disparities per direction (95% CIs)",
                                         interactive=False, wrap=True, elem_id="audit-disparity", max_height=1200,
                                         column_widths=["10%", "15%", "20%", "7%", "13%", "15%", "9%", "11%"])
                groups = gr.Dataframe(headers=GROUP_HEADERS, label="Metrics by group (95% bootstrap CIs)",
                                      interactive=False, wrap=True, elem_id="audit-groups", max_height=1200,
                                      column_widths=["10%", "17%", "10%", "13%", "15%", "7%", "17%", "11%"])
                pairs = gr.HTML(label="Worst counterfactual pairs", elem_id="audit-pairs")
                files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="audit-files")

        wire_dataset_controls(specs, first, task=task, model=model, source=source, upload=upload, columns=columns)

        def audit(task_name: str, source_choice: str, upload_path: str | None, columns_text: str | None,
                  model_choice: str | None, chosen: list[str] | None, limit_value: float | None,
                  min_inputs_value: float | None, bootstrap_value: float | None, seed_value: float | None,
                  progress: Any = gr.Progress(track_tqdm=True)) -> Any:
            if source_choice == UPLOADED and not upload_path:
                from nlpsuite.errors import UsageError

                raise UsageError("no dataset file uploaded", hint=f"upload a {'/'.join(UPLOAD_SUFFIXES)} file, "
                                 "or pick the task's sample dataset")
            view = run_audit_view(
                runner, task_name, list(chosen or ()),
                upload=upload_path if source_choice == UPLOADED else None,
                model=None if not model_choice or model_choice == DEFAULT_MODEL_CHOICE else model_choice,
                limit=int(limit_value) if limit_value else None,
                columns=(columns_text or None) if source_choice == UPLOADED else None,
                settings=AuditSettings(
                    seed=int(seed_value or 0),
                    n_bootstrap=defaults.n_bootstrap if bootstrap_value is None else int(bootstrap_value),
                    min_inputs=defaults.min_inputs if not min_inputs_value else int(min_inputs_value),
                ),
                progress=lambda fraction, desc: progress(fraction, desc=desc),
            )
            return view.summary, view.disparity, view.groups, view.pairs, view.files

        run.click(
            readable_errors(audit),
            inputs=[task, source, upload, columns, model, perturbations, limit, min_inputs, bootstrap, seed],
            outputs=[summary, disparity, groups, pairs, files], api_name="audit", concurrency_limit=1,
            concurrency_id="audit",
        )
