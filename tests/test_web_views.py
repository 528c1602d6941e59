"""The demo's choices from declarations alone (no server): components, values, output views, the CLI's cheapness."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nlpsuite.registry import get_task
from nlpsuite.specs import FieldSpec, TaskSpec, argument
from nlpsuite.web.output_views import chips_value, label_value, plan_outputs, render, table_value
from nlpsuite.web.task_form import DEFAULT_MODEL_CHOICE, TaskForm
from nlpsuite.web.values import UIValueError, from_ui, to_ui


def kinds(task: str) -> list[str]:
    return [view.kind for view in plan_outputs(get_task(task)).views]


def test_output_views_follow_the_declared_output_types():
    # every tab's output area opens with its error area, empty until a run fails
    assert kinds("sentiment") == ["error", "label", "model", "details"]
    assert kinds("classification") == ["error", "label", "model", "details"]
    assert kinds("keywords") == ["error", "chips", "model", "details"]
    # a task scoring its text against a reference shows those scores for the visitor's reference
    assert kinds("translation") == ["error", "text", "scores", "model", "details"]
    assert kinds("summarization") == ["error", "text", "scores", "model", "details"]
    assert kinds("generation-reference") == ["error", "text", "scores", "model", "details"]
    assert kinds("bias") == ["error", "interval", "table", "model", "details"]  # the verdict above the table


def test_the_same_declarations_under_another_name_get_the_same_views():
    sentiment = get_task("sentiment")
    renamed = TaskSpec(name="opinion", description="", input_fields=sentiment.input_fields,
                       output_fields=sentiment.output_fields, build=sentiment.build)
    assert [v.kind for v in plan_outputs(renamed).views] == kinds("sentiment")


def test_label_scores_chips_and_tables_render_what_people_read():
    plan = plan_outputs(get_task("sentiment"))
    label = plan.view("label")
    assert label_value(label, {"label": "positive", "score": 0.9, "scores": {"positive": 0.9, "negative": 0.1}}) == \
        {"positive": 0.9, "negative": 0.1}
    assert label_value(label, {"label": "positive", "score": 0.9}) == {"positive": 0.9}
    chips = chips_value(plan_outputs(get_task("keywords")).view("chips"), {"keywords": ["solar", "roofs"], "scores": [0.61, 0.4]})
    assert [c for c in chips if c[0].strip()] == [("solar", 0.61), ("roofs", 0.4)]
    table = table_value(plan_outputs(get_task("bias")).view("table"), {"test": "weat6", "effect_size": 1.0211, "n_targ1": 8})
    assert [row[:2] for row in table] == [["test", "weat6"], ["effect size", "1.021"], ["n targ1", "8"]]


def test_details_hold_warnings_diagnostics_and_fields_not_shown_elsewhere():
    plan = plan_outputs(get_task("bias"))
    values = render(plan, {"test": "crows", "kind": "crows", "effect_size": None, "pairs": [{"a": 1}],
                           "warnings": ["2 pairs skipped"], "details": {"n": 3}}, None)
    details = values[-1]
    assert details == {"warnings": ["2 pairs skipped"], "details": {"n": 3}, "pairs": [{"a": 1}]}


def test_values_convert_between_components_and_typed_fields():
    assert from_ui(FieldSpec("labels", "labels"), "sports, business,\npolitics") == ["sports", "business", "politics"]
    assert from_ui(FieldSpec("n", "integer"), 3.0) == 3
    assert from_ui(FieldSpec("n", "integer"), "  ") is None
    assert from_ui(FieldSpec("test", "json"), "weat6") == "weat6"
    assert from_ui(FieldSpec("test", "json"), '{"pairs": []}') == {"pairs": []}
    assert from_ui(FieldSpec("flag", "boolean"), "false") is False
    with pytest.raises(UIValueError, match="not valid JSON"):
        from_ui(FieldSpec("test", "json"), '{"pairs": ')
    with pytest.raises(UIValueError, match="whole number"):
        from_ui(FieldSpec("n", "integer"), 2.5)
    assert to_ui(FieldSpec("labels", "labels"), ["a", "b"]) == "a, b"
    assert to_ui(FieldSpec("test", "json"), {"a": 1}) == '{\n  "a": 1\n}'


def test_a_tab_request_splits_inputs_settings_and_model():
    form = TaskForm(get_task("translation"))
    names = form.parameter_names()
    assert names[:4] == ["source", "src_lang", "tgt_lang", "target"] and names[-1] == "model"  # target: a reference
    values = form.values_for({"source": "hello", "src_lang": "en", "tgt_lang": "de", "num_beams": "2"})
    request = form.request(values)
    assert request.record == {"source": "hello", "src_lang": "en", "tgt_lang": "de"}
    assert request.generation == {"num_beams": 2}  # the other generation settings stay unset
    assert request.task_args["src_lang"] == "en"  # the default model is picked from the language pair
    assert request.model is None and values[-1] == DEFAULT_MODEL_CHOICE


def test_components_come_from_type_choices_and_bounds():
    gr = pytest.importorskip("gradio")
    from nlpsuite.web.field_components import component_for

    with gr.Blocks():
        # a number box, its range in its help line: the host checks the range and names the field
        bounded = component_for(argument("k", "integer", default=5, minimum=1, maximum=50))
        assert isinstance(bounded, gr.Number) and bounded.minimum is None and bounded.maximum is None
        assert "1" in bounded.info and "50" in bounded.info
        assert isinstance(component_for(argument("k", "integer", default=3, minimum=1)), gr.Number)
        assert isinstance(component_for(argument("beams", "integer", minimum=1)), gr.Textbox)  # may stay unset
        assert isinstance(component_for(argument("mode", "text", default="a", choices=["a", "b"])), gr.Dropdown)
        assert isinstance(component_for(argument("split", "boolean", default=True)), gr.Checkbox)
        assert isinstance(component_for(argument("sample", "boolean")), gr.Dropdown)
        assert isinstance(component_for(argument("examples", "path")), gr.File)
        main = component_for(FieldSpec("text", "text"), main=True)
        assert isinstance(main, gr.Textbox) and main.lines > 1


def test_the_demo_command_imports_neither_gradio_nor_torch_until_it_runs():
    code = ("import sys; from nlpsuite.cli.app import build_parser; build_parser(); "
            "import nlpsuite.web.task_form, nlpsuite.web.settings; "
            "print(sorted(m for m in ('gradio', 'torch', 'transformers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_demo_help_lists_its_options():
    from nlpsuite.cli.app import main

    with pytest.raises(SystemExit):
        main(["demo", "--help"])


def test_demo_options_reach_the_servers_settings_and_every_request(tmp_path):
    import argparse

    from nlpsuite.cli.commands import demo

    parser = argparse.ArgumentParser()
    demo.configure(parser)
    args = parser.parse_args(["--model-dir", str(tmp_path / "a"), "--model-dir", str(tmp_path / "b"),
                              "--allow-hub-models", "--runtime", "onnx", "--quantize", "int8",
                              "--max-batch-size", "16", "--model-threads", "3"])
    settings = demo.settings_from(args)
    assert settings.model_dirs == (tmp_path / "a", tmp_path / "b") and settings.allow_hub_models
    assert settings.max_batch_size == 16 and settings.model_threads == 3
    assert settings.task_options().model_args == {"runtime": "onnx", "quantize": "int8"}
    default = demo.settings_from(parser.parse_args([]))
    assert default.task_options().model_args == {} and default.model_dirs == () and not default.allow_hub_models


def test_unknown_tasks_are_refused_before_gradio_loads():
    from nlpsuite.errors import UsageError
    from nlpsuite.web.app import selected_tasks

    with pytest.raises(UsageError, match="unknown task"):
        selected_tasks(["sentimnet"])


def test_tabs_follow_the_declared_order_rule_and_open_on_a_built_in_task():
    from nlpsuite.registry import get_tasks
    from nlpsuite.web.app import selected_tasks
    from nlpsuite.web.tab_order import tab_order_key

    shown = selected_tasks()
    keys = [tab_order_key(spec) for spec in shown]
    assert keys == sorted(keys) and len(shown) == len(get_tasks())
    first = shown[0]
    # the first tab answers offline, has examples and shows a label: a newcomer can click an example and read it
    assert first.fallback_model and first.examples and kinds(first.name)[1] == "label"
    assert first.name == "sentiment"  # what the rule gives for the built-in tasks today
    builtin = [not key[0] for key in keys]
    assert builtin == sorted(builtin, reverse=True)  # every built-in task before any third party's
    # naming tasks keeps the order given
    assert [s.name for s in selected_tasks(("translation", "sentiment"))] == ["translation", "sentiment"]


def test_evaluate_and_audit_refuse_a_dataset_over_the_servers_sample_limit():
    from types import SimpleNamespace

    from nlpsuite.errors import UsageError
    from nlpsuite.registry import get_task
    from nlpsuite.web.evaluation_view import check_dataset_size

    runner = SimpleNamespace(settings=SimpleNamespace(max_eval_samples=10))
    spec = get_task("sentiment")
    with pytest.raises(UsageError, match="the dataset has 30 inputs; this server evaluates at most 10"):
        check_dataset_size(runner, spec, "sentiment-sample", None, None, True, "evaluates")
    check_dataset_size(runner, spec, "sentiment-sample", None, 10, True, "evaluates")  # a limit brings it under
