"""Plugin contract 1.0, from a third party's side: a task defined only here gets typed arguments,
checked outputs, metric bindings and every front end without code of its own."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from nlpsuite import (
    CommandSpec,
    FieldSpec,
    MetricBinding,
    MetricResult,
    MetricSpec,
    PerturbationResult,
    PerturbationSpec,
    Substitution,
    TaskOptions,
    TaskSpec,
    argument,
    hookimpl,
)
from nlpsuite.cli import main
from nlpsuite.errors import UsageError
from nlpsuite.plugin_manager import PluginHost
from nlpsuite.registry import get_registry
from nlpsuite.runtime import load_task
from nlpsuite.session import BoundedCache, Session
from nlpsuite.testing import contract_problems, registered


class EchoPredictor:
    """Repeats (and optionally upper-cases) its input: no model needed."""

    def __init__(self, options: TaskOptions) -> None:
        self.times = options.task_args["times"]
        self.style = options.task_args["style"]

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        outputs = []
        for record in records:
            text = " ".join([record["phrase"]] * self.times)
            outputs.append({"echo": text.upper() if self.style == "loud" else text, "details": {"words": len(text.split())}})
        return outputs

    def config(self) -> dict[str, Any]:
        return {"times": self.times, "style": self.style}


ECHO = TaskSpec(
    name="echo",
    description="repeat a phrase",
    input_fields=[FieldSpec("phrase", "text", "what to repeat")],
    output_fields=[FieldSpec("echo", "text", "the phrase, repeated")],
    build=lambda request, options: EchoPredictor(options),
    reference_field="expected",
    fallback_model="all-MiniLM-L6-v2",
    arguments=[
        argument("times", "integer", "how often", default=1, minimum=1, maximum=5),
        argument("style", "text", "how", default="plain", choices=("plain", "loud")),
    ],
    # bleu on this task's own field names
    metrics=[MetricBinding("bleu", prediction_field="echo", reference_field="expected"),
             MetricBinding("chrf", prediction_field="echo", reference_field="expected", name="chrf_echo"),
             MetricBinding("mean_words", prediction_field="echo")],
    examples=[{"phrase": "hello there"}],
)


def mean_words(predictions: list[Any], references: list[Any], args: Any) -> MetricResult:
    assert all(r is None for r in references)  # a metric that needs no reference gets none
    counts = [float(len((p or "").split())) for p in predictions]
    return MetricResult(value=sum(counts) / len(counts), per_sample=counts)


class EchoPlugin:
    NLPSUITE_PLUGIN_API = "1.0"

    @hookimpl
    def register_tasks(self) -> list[TaskSpec]:
        return [ECHO]

    @hookimpl
    def register_metrics(self) -> list[MetricSpec]:
        return [MetricSpec(name="mean_words", description="words per output", version="1", higher_is_better=True,
                           compute=mean_words, needs_reference=False)]


class DuplicatingPredictor:
    """The misalignment repro: answers a one-input batch containing 'twice' with two outputs."""

    batch_size = 4

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        outputs = [{"echo": r["phrase"]} for r in records]
        if any("twice" in r["phrase"] for r in records):
            outputs.append({"echo": "an extra output"})
        return outputs

    def config(self) -> dict[str, Any]:
        return {}


class LoosePredictor:
    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"echo": r["phrase"], "debug_score": 1} if "loose" in r["phrase"] else {"echo": 7} if "typed" in r["phrase"]
                else {"echo": r["phrase"]} for r in records]

    def config(self) -> dict[str, Any]:
        return {}


def _plugin_with(predictor: type) -> object:
    spec = TaskSpec(name="echo", description="repeat", input_fields=ECHO.input_fields,
                    output_fields=ECHO.output_fields, build=lambda r, o: predictor(), fallback_model="all-MiniLM-L6-v2")

    class Plugin:
        @hookimpl
        def register_tasks(self) -> list[TaskSpec]:
            return [spec]

    return Plugin()


@pytest.fixture
def echo_plugin():
    with registered(EchoPlugin(), "echo-plugin"):
        yield


def test_third_party_task_runs_with_host_typed_arguments(echo_plugin, capsys):
    code = main(["run", "--task", "echo", "--arg", "times=2", "--arg", "style=loud", "--offline", "hi"])
    line = json.loads(capsys.readouterr().out)
    assert code == 0
    assert line["prediction"] == {"echo": "HI HI", "details": {"words": 2}}
    assert line["id"] == 1 and line["input"] == {"phrase": "hi"} and line["error"] is None


@pytest.mark.parametrize(("arg", "expected"), [
    ("times=abc", "task 'echo' argument times='abc' is not a whole number"),
    ("times=9", "times='9' is above the maximum 5"),
    ("style=whisper", "style='whisper' is not one of the choices"),
    ("tims=2", "task 'echo' has no argument 'tims'; did you mean 'times'?"),
])
def test_bad_argument_values_are_clear_errors_before_any_model_loads(echo_plugin, capsys, arg, expected):
    code = main(["run", "--task", "echo", "--arg", arg, "--offline", "hi"])
    err = capsys.readouterr().err
    assert code == 2 and expected in err
    assert "hint:" in err and "internal error" not in err


def test_third_party_task_evaluates_with_a_reused_metric_on_its_own_fields(echo_plugin, tmp_path, capsys):
    data = tmp_path / "echo.jsonl"
    data.write_text("".join(json.dumps({"id": f"e{i}", "phrase": p, "expected": e}) + "\n" for i, (p, e) in
                            enumerate([("a cat", "a cat a cat"), ("the dog", "the dog the dog"), ("sun", "moon moon")])),
                    encoding="utf-8")
    code = main(["eval", "--task", "echo", "--dataset", str(data), "--arg", "times=2", "--offline", "--quiet",
                 "--output-dir", str(tmp_path / "run"), "--no-cache"])
    assert code == 0, capsys.readouterr().err
    results = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))
    assert set(results["metrics"]) == {"bleu", "chrf_echo", "mean_words"}
    assert results["metrics"]["mean_words"]["value"] == pytest.approx((4 + 4 + 2) / 3)
    assert results["metrics"]["mean_words"]["fields"] == {"prediction": "echo", "reference": None}
    assert results["metrics"]["bleu"]["fields"] == {"prediction": "echo", "reference": "expected"}
    assert results["metrics"]["chrf_echo"]["metric"] == "chrf"
    assert results["config"]["task_args"] == {"times": 2, "style": "plain"}  # typed, defaults recorded


def test_tasks_json_describes_arguments_examples_capabilities_and_bindings(echo_plugin, capsys):
    assert main(["tasks", "--json"]) == 0
    tasks = {t["name"]: t for t in json.loads(capsys.readouterr().out)}
    echo = tasks["echo"]
    assert echo["arguments"][0] == {"name": "times", "type": "integer", "required": False, "description": "how often",
                                    "default": 1, "minimum": 1, "maximum": 5}
    assert echo["arguments"][1]["choices"] == ["plain", "loud"]
    assert echo["examples"] == [{"phrase": "hello there"}]
    assert echo["capabilities"] == ["predict"] and echo["missing_capabilities"] == ["stream", "score"]
    assert echo["metrics"][1] == {"name": "chrf_echo", "metric": "chrf", "prediction_field": "echo",
                                  "reference_field": "expected"}
    for name in ("sentiment", "classification", "summarization", "translation", "bias"):
        described = tasks[name]
        assert described["examples"], name
        assert described["sample_dataset"] == f"{name}-sample"
        assert all({"name", "type", "required"} <= set(a) for a in described["arguments"])
    assert [g["name"] for g in tasks["translation"]["generation_settings"]][:2] == ["num_beams", "max_new_tokens"]
    assert tasks["sentiment"]["generation_settings"] == []


def test_a_batch_with_one_output_too_many_fails_alone_and_shifts_nothing():
    with registered(_plugin_with(DuplicatingPredictor), "dup"):
        task = load_task("echo", "all-MiniLM-L6-v2", TaskOptions(offline=True), notify=lambda _m: None)
        phrases = ["one", "two", "say it twice", "three", "four", "five"]
        outputs = task.predict([{"phrase": p} for p in phrases])
    assert len(outputs) == len(phrases)
    for phrase, output in zip(phrases, outputs):
        if phrase == "say it twice":
            assert "returned 2 outputs for a batch of 1 inputs" in output["error"]
        else:
            assert output == {"echo": phrase}  # each answer belongs to its own input


def test_outputs_that_break_the_declaration_become_that_samples_error():
    with registered(_plugin_with(LoosePredictor), "loose"):
        task = load_task("echo", "all-MiniLM-L6-v2", TaskOptions(offline=True), notify=lambda _m: None)
        loose, typed, fine = task.predict([{"phrase": "loose"}, {"phrase": "typed"}, {"phrase": "fine"}])
    assert "undeclared output key(s) debug_score" in loose["error"] and "'details'" in loose["error"]
    assert "output field 'echo' must be text, got int" in typed["error"]
    assert fine == {"echo": "fine"}


def test_inputs_of_the_wrong_type_are_refused_per_record(echo_plugin):
    task = load_task("echo", "all-MiniLM-L6-v2", TaskOptions(offline=True), notify=lambda _m: None)
    number, ok = task.predict([{"phrase": 42}, {"phrase": "ok"}])
    assert number == {"error": "field 'phrase' must be text, got int 42"}
    assert ok["echo"] == "ok"


def test_generation_settings_and_language_options_only_where_declared(capsys):
    assert main(["run", "--task", "sentiment", "--gen-kwargs", "num_beams=4", "--offline", "fine"]) == 2
    assert "task 'sentiment' takes no generation settings" in capsys.readouterr().err
    assert main(["run", "--task", "sentiment", "--src", "en", "--offline", "fine"]) == 2
    assert "takes no language code (--src)" in capsys.readouterr().err


def test_debug_is_accepted_after_the_command(capsys):
    assert main(["tasks", "--debug"]) == 0
    assert main(["run", "--task", "nope", "--debug", "x"]) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err


def test_a_plugin_built_for_another_api_is_listed_as_failed_naming_the_versions():
    class Future:
        NLPSUITE_PLUGIN_API = "2.0"

        @hookimpl
        def register_tasks(self) -> list[TaskSpec]:
            return []

    host = PluginHost()
    with pytest.raises(Exception) as info:
        host.register(Future(), name="future")
    assert "built for nlpsuite plugin API 2.0" in str(info.value) and "1.0" in str(info.value)


def test_contract_checker_reports_an_undeclared_api_and_runs_examples():
    problems = contract_problems(_plugin_with(LoosePredictor), "loose")
    assert any("NLPSUITE_PLUGIN_API" in p for p in problems)
    assert any("declares no examples" in p for p in problems)
    assert contract_problems(EchoPlugin(), "echo-plugin") == []


def test_hooks_get_only_the_arguments_their_implementation_names():
    """A hook can gain an optional argument without breaking implementations written before it."""
    import pluggy

    from nlpsuite.hookspecs import PROJECT_NAME, hookimpl as impl

    spec_marker = pluggy.HookspecMarker(PROJECT_NAME)

    class FutureSpecs:
        @spec_marker
        def register_widgets(self, api_version, cli):  # a hook of a later minor version
            """Widgets."""

    class OldPlugin:
        @impl
        def register_widgets(self):
            return ["old"]

    class NewPlugin:
        @impl
        def register_widgets(self, api_version):
            return [f"new for {api_version}"]

    host = PluginHost()
    host.pm.add_hookspecs(FutureSpecs)
    host.register(OldPlugin(), name="old")
    host.register(NewPlugin(), name="new")
    results = dict(host.call_each("register_widgets", api_version="1.1", cli=None))
    assert results == {"old": ["old"], "new": ["new for 1.1"]}


def test_tracing_shows_each_hook_call(monkeypatch, capsys):
    monkeypatch.setenv("NLPSUITE_TRACE_PLUGINS", "1")
    host = PluginHost()
    host.register(EchoPlugin(), name="echo-plugin")
    host.call_each("register_tasks")
    err = capsys.readouterr().err
    assert "nlpsuite: trace: echo-plugin.register_tasks() returned 1: echo" in err


def test_a_request_for_offline_mode_does_not_flip_the_process(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    session = Session(offline=False)
    load_task("sentiment", "all-MiniLM-L6-v2", TaskOptions(offline=True), notify=lambda _m: None, session=session)
    assert "HF_HUB_OFFLINE" not in os.environ
    assert session.offline is False


def test_the_model_cache_is_bounded_and_evicts_the_least_recently_used():
    cache = BoundedCache(2)
    loads: list[str] = []
    for key in ("a", "b", "a", "c", "a", "b"):
        cache.get_or_load(key, lambda key=key: loads.append(key) or key.upper())
    assert loads == ["a", "b", "c", "b"]  # "b" was evicted when "c" came, "a" stayed in use
    assert cache.keys() == ["a", "b"] and cache.evictions == 2


def test_models_are_shared_within_a_session_and_not_across_sessions():
    first, second = Session(offline=True), Session(offline=True)
    a = load_task("sentiment", "all-MiniLM-L6-v2", notify=lambda _m: None, session=first)
    b = load_task("sentiment", "all-MiniLM-L6-v2", notify=lambda _m: None, session=first)
    c = load_task("sentiment", "all-MiniLM-L6-v2", notify=lambda _m: None, session=second)
    assert a.predictor.model is b.predictor.model
    assert a.predictor.model is not c.predictor.model


def test_host_refuses_an_argument_that_shadows_an_input_field():
    bad = TaskSpec(name="shadow", description="x", input_fields=[FieldSpec("text")], output_fields=[FieldSpec("y")],
                   build=lambda r, o: None, arguments=[argument("text", "text")])
    from nlpsuite.specs import validate_spec

    with pytest.raises(ValueError, match="argument 'text' has the name of an input field"):
        validate_spec("tasks", bad)


def test_resolve_options_is_idempotent_and_fills_defaults():
    from nlpsuite.runtime import resolve_options

    once = resolve_options(ECHO, TaskOptions(task_args={"times": "3"}))
    assert once.task_args == {"times": 3, "style": "plain"}
    assert resolve_options(ECHO, once).task_args == once.task_args
    with pytest.raises(UsageError):
        resolve_options(ECHO, TaskOptions(generation={"num_beams": 2}))


def test_registered_test_plugins_leave_no_trace(echo_plugin):
    with registered(_plugin_with(LoosePredictor), "loose"):
        pass
    assert "echo" in get_registry().entries["tasks"]  # the outer registration is back


def swap_instruments(text: str, direction: str) -> PerturbationResult:
    import re

    pairs = {"guitar": "violin", "violin": "guitar"}
    substitutions, pieces, last = [], [], 0
    for match in re.finditer(r"\b(guitar|violin)\b", text):
        substitutions.append(Substitution(match.start(), match.end(), match.group(1), pairs[match.group(1)]))
        pieces += [text[last:match.start()], pairs[match.group(1)]]
        last = match.end()
    return PerturbationResult("".join([*pieces, text[last:]]), substitutions)


class InstrumentsPlugin:
    NLPSUITE_PLUGIN_API = "1.0"

    @hookimpl
    def register_perturbations(self) -> list[PerturbationSpec]:
        return [PerturbationSpec(name="instruments", description="guitar <-> violin", apply=swap_instruments,
                                 directions=("swap",), groups=("guitar", "violin"),
                                 provenance=lambda: [{"source": "written for this test"}])]


def test_a_third_party_perturbation_drives_an_audit_of_a_third_party_task(tmp_path, capsys):
    data = tmp_path / "phrases.jsonl"
    phrases = ["she plays the guitar", "a violin solo", "guitar lessons on monday", "the old violin case"]
    data.write_text("".join(json.dumps({"id": str(i), "phrase": p, "expected": p}) + "\n"
                            for i, p in enumerate([*phrases, "no instrument here"])), encoding="utf-8")
    with registered(EchoPlugin(), "echo-plugin"), registered(InstrumentsPlugin(), "instruments-plugin"):
        code = main(["audit", "--task", "echo", "--dataset", str(data), "--perturbations", "instruments", "--offline",
                     "--quiet", "--min-inputs", "2", "--bootstrap", "100", "--output-dir", str(tmp_path / "audit")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads((tmp_path / "audit" / "audit.json").read_text(encoding="utf-8"))
    assert "instruments" in json.dumps(report) and "written for this test" in json.dumps(report)


class CommandPlugin:
    NLPSUITE_PLUGIN_API = "1.0"

    @hookimpl
    def register_commands(self) -> list[CommandSpec]:
        def configure(parser: Any) -> None:
            parser.add_argument("phrase")

        def run(args: Any) -> int:
            print(args.phrase[::-1])
            return 0

        def broken(parser: Any) -> None:
            raise SystemExit("configure gave up")

        return [CommandSpec(name="reverse", help="print a phrase backwards", configure=configure, run=run),
                CommandSpec(name="broken-cmd", help="never configures", configure=broken, run=run),
                CommandSpec(name="eval", help="shadows a built-in", configure=configure, run=run)]


def test_plugin_commands_run_and_a_failing_or_shadowing_one_is_isolated(capsys):
    with registered(CommandPlugin(), "commands-plugin"):
        assert main(["reverse", "abc"]) == 0
        captured = capsys.readouterr()
        assert captured.out == "cba\n"
        assert "command 'broken-cmd': configure raised SystemExit: configure gave up" in captured.err
        assert "command 'eval' clashes with a built-in command" in captured.err
        with pytest.raises(SystemExit):  # not a command: argparse refuses it
            main(["broken-cmd", "x"])
        assert main(["plugins", "--json"]) == 0
        listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert any("broken-cmd" in problem for problem in listed["commands-plugin"]["problems"])
