"""The Evaluate tab: pick a task, a dataset (its sample or an upload) and a model; run the harness."""

from __future__ import annotations

from typing import Any

from nlpsuite.web.evaluation_view import UPLOAD_SUFFIXES, evaluable_tasks, readable_size, run_evaluation
from nlpsuite.web.task_form import DEFAULT_MODEL_CHOICE
from nlpsuite.web.task_runner import TaskRunner
from nlpsuite.web.task_tab import MODEL_INFO, model_choices
from nlpsuite.web.user_errors import readable_errors

SAMPLE = "the task's sample dataset"
UPLOADED = "an uploaded file"
METRIC_HEADERS = ["metric", "value", "CI low", "CI high", "better", "n"]


def build_evaluate_tab(runner: TaskRunner, task_names: tuple[str, ...] = ()) -> None:
    import gradio as gr

    specs = evaluable_tasks(task_names)
    if not specs:
        return
    first = specs[0]
    with gr.Tab("Evaluate", id="evaluate", elem_id="tab-evaluate"):
        gr.Markdown("Evaluate a task with the harness: metrics with bootstrap confidence intervals, the report's "
                    "plots, and `results.json` and `report.html` to download. Predictions are cached, so running "
                    "the same evaluation again is instant.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                task = gr.Dropdown(choices=[s.name for s in specs], value=first.name, label="Task",
                                   elem_id="evaluate-task")
                source = gr.Radio(choices=[SAMPLE, UPLOADED], value=SAMPLE, label="Dataset", elem_id="evaluate-source")
                upload = gr.File(label=f"Dataset file ({', '.join(UPLOAD_SUFFIXES)}; at most "
                                 f"{readable_size(runner.settings.max_upload_bytes)})", file_types=list(UPLOAD_SUFFIXES),
                                 type="filepath", visible=False)
                columns = gr.Textbox(label="Columns (optional)", visible=False,
                                     info="field=column pairs when the file's column names differ, e.g. text=review,label=stars")
                model = gr.Dropdown(choices=model_choices(first), value=DEFAULT_MODEL_CHOICE, allow_custom_value=True,
                                    label="Model", info=MODEL_INFO, elem_id="evaluate-model")
                limit = gr.Number(label="Limit", value=0, precision=0, minimum=0,
                                  info="0: every sample; N: only the first N (marks the run non-reportable)")
                run = gr.Button("Evaluate", variant="primary", elem_id="evaluate-run")
            with gr.Column(scale=2):
                summary = gr.Markdown(elem_id="evaluate-summary")
                metrics = gr.Dataframe(headers=METRIC_HEADERS, label="Metrics (95% bootstrap CI)", interactive=False,
                                       elem_id="evaluate-metrics")
                plots = gr.HTML(elem_id="evaluate-plots")
                files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="evaluate-files")

        wire_dataset_controls(specs, first, task=task, model=model, source=source, upload=upload, columns=columns)

        def evaluate(task_name: str, source_choice: str, upload_path: str | None, columns_text: str | None,
                     model_choice: str | None, limit_value: float | None,
                     progress: Any = gr.Progress(track_tqdm=True)) -> Any:
            progress(0, desc="loading the model and the dataset")
            if source_choice == UPLOADED and not upload_path:
                from nlpsuite.errors import UsageError

                raise UsageError("no dataset file uploaded", hint=f"upload a {'/'.join(UPLOAD_SUFFIXES)} file, "
                                 "or pick the task's sample dataset")
            view = run_evaluation(
                runner, task_name,
                upload=upload_path if source_choice == UPLOADED else None,
                model=None if not model_choice or model_choice == DEFAULT_MODEL_CHOICE else model_choice,
                limit=int(limit_value) if limit_value else None,
                columns=(columns_text or None) if source_choice == UPLOADED else None,
            )
            return view.summary, view.metrics, view.plots, view.files

        run.click(
            readable_errors(evaluate), inputs=[task, source, upload, columns, model, limit],
            outputs=[summary, metrics, plots, files], api_name="evaluate", concurrency_limit=1,
            concurrency_id="evaluate",
        )


def wire_dataset_controls(specs: Any, first: Any, *, task: Any, model: Any, source: Any, upload: Any,
                          columns: Any) -> None:
    """The task → model choices and dataset source → upload controls of the Evaluate and Audit tabs."""
    import gradio as gr

    def on_task(name: str) -> Any:
        spec = next((s for s in specs if s.name == name), first)
        return gr.update(choices=model_choices(spec), value=DEFAULT_MODEL_CHOICE)

    def on_source(choice: str) -> Any:
        shown = choice == UPLOADED
        return gr.update(visible=shown), gr.update(visible=shown)

    task.change(on_task, inputs=task, outputs=model, api_visibility="private")
    source.change(on_source, inputs=source, outputs=[upload, columns], api_visibility="private")

