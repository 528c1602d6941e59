"""The Evaluate tab: pick a task, a dataset (its sample or an upload, with its columns and labels mapped in a
form) and a model; run the harness."""

from __future__ import annotations

from typing import Any

from nlpsuite.web.dataset_controls import build_dataset_controls, read_choice
from nlpsuite.web.evaluation_view import evaluable_tasks, run_evaluation
from nlpsuite.web.task_runner import TaskRunner
from nlpsuite.web.user_errors import inline_errors
from nlpsuite.web.values import whole_number

METRIC_HEADERS = ["metric", "value", "CI low", "CI high", "better", "n"]


def build_evaluate_tab(runner: TaskRunner, task_names: tuple[str, ...] = ()) -> None:
    import gradio as gr

    specs = evaluable_tasks(task_names)
    if not specs:
        return
    with gr.Tab("Evaluate", id="evaluate", elem_id="tab-evaluate"):
        gr.Markdown("Evaluate a task with the harness: metrics with bootstrap confidence intervals, the report's "
                    "plots, and `results.json` and `report.html` to download. Predictions are cached, so running "
                    "the same evaluation again is instant.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                controls = build_dataset_controls(runner, specs, "evaluate", with_labels=True)
                limit = gr.Number(label="Limit", value=0,
                                  info="0: every sample; N: only the first N (marks the run non-reportable)")
                run = gr.Button("Evaluate", variant="primary", elem_id="evaluate-run")
            with gr.Column(scale=2):
                error = gr.Markdown(elem_id="evaluate-error", elem_classes=["nlpsuite-error"])
                summary = gr.Markdown(elem_id="evaluate-summary")
                metrics = gr.Dataframe(headers=METRIC_HEADERS, label="Metrics (95% bootstrap CI)", interactive=False,
                                       elem_id="evaluate-metrics", elem_classes=["nlpsuite-table"])
                plots = gr.HTML(elem_id="evaluate-plots")
                files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="evaluate-files")

        def evaluate(*values: Any, progress: Any = gr.Progress(track_tqdm=True)) -> Any:
            progress(0, desc="loading the model and the dataset")
            *form_values, limit_value = values
            choice = read_choice(controls, form_values)
            view = run_evaluation(
                runner, choice.task, upload=choice.upload, model=choice.model, columns=choice.columns,
                label_map=choice.label_map, limit=whole_number("Limit", limit_value, 0, minimum=0) or None,
            )
            return "", view.summary, view.metrics, view.plots, view.files

        def failed(message: str) -> Any:
            # nothing of an earlier run (perhaps of another task) stays under the message
            return message, "", [], "", None

        run.click(
            inline_errors(evaluate, failed), inputs=[*controls.inputs(), limit],
            outputs=[error, summary, metrics, plots, files], api_name="evaluate", concurrency_limit=1,
            concurrency_id="evaluate",
        )

