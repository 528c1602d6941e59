"""The web demo through its API (gradio_client) against a running server on 127.0.0.1: every built-in task,
a third-party task registered only in the test, the Evaluate tab, limits and readable errors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.fixtures_web import TEST_MAX_INPUT_CHARS, TEST_MAX_UPLOAD_BYTES, call_task, dataset_values, output_of
from tests.web_plugin import TASK as THIRD_PARTY

pytestmark = pytest.mark.slow
gradio_client = pytest.importorskip("gradio_client")
AppError = gradio_client.exceptions.AppError


def confidences(label_value: dict) -> dict[str, float]:
    return {c["label"]: c["confidence"] for c in label_value["confidences"]}


def test_every_task_has_its_own_endpoint(demo_client):
    from nlpsuite.registry import get_tasks
    from nlpsuite.web.task_tab import endpoint_name

    endpoints = demo_client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for spec in get_tasks():
        assert f"/{endpoint_name(spec)}" in endpoints  # generation-reference is /generation_reference
    assert f"/{THIRD_PARTY}" in endpoints
    assert "/evaluate" in endpoints and "/audit" in endpoints


def test_sentiment_gives_a_label_with_scores_and_names_the_model_used(demo_client):
    values = call_task(demo_client, "sentiment", text="The room was lovely and the staff were kind.")
    label = output_of("sentiment", values, "label")
    assert label["label"] == "positive"
    scores = confidences(label)
    assert set(scores) == {"positive", "negative"} and scores["positive"] > 0.5
    model = output_of("sentiment", values, "model")
    assert "all-MiniLM-L6-v2" in model and "Fallback" in model  # offline: the embedded model, said so
    details = output_of("sentiment", values, "details")
    assert details["model"]["fallback"] is True


def test_the_page_opens_on_the_sentiment_tab_whose_examples_the_embedded_model_gets_right(demo_client):
    from nlpsuite.registry import get_task

    tabs = [c["props"].get("label") for c in demo_client.config["components"] if c.get("type") == "tabitem"]
    assert tabs[0] == "sentiment" and tabs[-2:] == ["Evaluate", "Audit"]
    # the examples as a newcomer clicks them: positive, negative, and a mixed review that ends well
    examples = [example["text"] for example in get_task("sentiment").examples]
    labels = [output_of("sentiment", call_task(demo_client, "sentiment", text=text), "label")["label"]
              for text in examples]
    assert labels == ["positive", "negative", "positive"]


def test_classification_takes_candidate_labels_from_a_textbox(demo_client):
    values = call_task(demo_client, "classification", text="The striker scored twice in the second half.",
                       labels="sports, business, politics")
    label = output_of("classification", values, "label")
    assert label["label"] == "sports"
    assert set(confidences(label)) == {"sports", "business", "politics"}


def test_keywords_come_back_as_shaded_chips_with_the_declared_argument_applied(demo_client):
    text = "Solar panels on school roofs cut the town's electricity bill by a third last winter."
    values = call_task(demo_client, "keywords", text=text, top_k=3)
    chips = [c for c in output_of("keywords", values, "chips") if c["token"].strip()]
    assert len(chips) == 3
    assert all(isinstance(c["class_or_confidence"], float) for c in chips)


def test_summarization_offline_falls_back_to_the_embedded_extractive_summary(demo_client):
    from nlpsuite.registry import get_task

    document = get_task("summarization").examples[0]["document"]
    values = call_task(demo_client, "summarization", document=document, max_sentences=1)
    summary = output_of("summarization", values, "text")
    assert summary and summary in document
    assert "Fallback" in output_of("summarization", values, "model")


def refusal(task: str, values: list) -> str:
    """The message in a task tab's error area, once every other output is empty beside it."""
    error = output_of(task, values, "error")
    assert error and "Traceback" not in error
    assert not output_of(task, values, "model") and not output_of(task, values, "details")
    return error


def test_translation_says_it_needs_a_model_and_translates_with_a_local_one(demo_client, tiny_translator):
    values = call_task(demo_client, "translation", source="the cat sleeps on the sofa .", src_lang="en", tgt_lang="de")
    message = refusal("translation", values)
    assert "no embedded fallback" in message and "--" not in message and "Model" in message
    values = call_task(demo_client, "translation", source="the cat sleeps on the sofa .",
                       model="local:tiny-opus-mt-en-de")
    assert output_of("translation", values, "text").startswith("die katze schläft auf dem sofa")
    assert output_of("translation", values, "error") == ""
    model = output_of("translation", values, "model")
    assert "tiny-opus-mt-en-de (local)" in model and str(tiny_translator.parent) not in model


def test_translation_tab_offers_the_operators_local_models_up_front(demo_client):
    config = demo_client.config["components"]
    notices = [c for c in config if c.get("props", {}).get("elem_id") == "translation-notice"]
    assert notices and "pick one of the local models in Model" in notices[0]["props"]["value"]
    dropdown = next(c for c in config if c.get("props", {}).get("elem_id") == "translation-model")
    assert dropdown["props"].get("value") is None  # the default cannot answer offline: the visitor picks
    offered = [value for _, value in dropdown["props"]["choices"]]
    assert offered[-2:] == ["local:tiny-gpt2", "local:tiny-opus-mt-en-de"]
    assert dropdown["props"]["allow_custom_value"] is False  # no typed paths or hub ids on this server


def test_bias_numbers_come_back_as_a_table_with_an_interval_plot(demo_client):
    values = call_task(demo_client, "bias", test="weat6", bootstrap=200, permutations=500, max_exact=10)
    table = output_of("bias", values, "table")
    rows = {row[0]: row[1] for row in table["data"]}
    assert {"effect size", "p value", "ci low", "ci high", "test"} <= set(rows)  # names that wrap at spaces
    assert rows["test"] == "weat6"
    assert float(rows["effect size"]) > 0
    interval = output_of("bias", values, "interval")
    assert "<svg" in interval and "lies above 0" in interval  # a plain-language verdict with the plot


def test_a_third_party_task_gets_a_working_tab_with_typed_arguments(demo_client):
    values = call_task(demo_client, THIRD_PARTY, text="hello there world", repeat=2, style="lower", exclaim=True)
    assert output_of(THIRD_PARTY, values, "text") == "hello there world hello there world!"
    assert output_of(THIRD_PARTY, values, "details")["n_words"] == 6


def test_a_task_that_can_stream_streams_its_partial_outputs(demo_client):
    from nlpsuite.registry import get_task
    from nlpsuite.web.task_form import TaskForm

    values = TaskForm(get_task(THIRD_PARTY)).values_for({"text": "one two three four"})
    job = demo_client.submit(*values, api_name=f"/{THIRD_PARTY}")
    final = job.result(timeout=60)
    texts = [output_of(THIRD_PARTY, list(partial), "text") for partial in job.outputs()]
    assert texts[-1] == output_of(THIRD_PARTY, list(final), "text") == "ONE TWO THREE FOUR"
    assert "ONE" in texts and "ONE TWO" in texts  # partial outputs arrived before the final one


def test_the_generation_tab_streams_a_tiny_causal_lms_continuation(demo_client, tiny_causal_lm):
    from nlpsuite.registry import get_task
    from nlpsuite.web.task_form import TaskForm
    from nlpsuite.web.task_tab import endpoint_name

    spec = get_task("generation")
    assert "stream" in spec.capabilities
    values = TaskForm(spec).values_for({"prompt": spec.examples[0]["prompt"], "model": "local:tiny-gpt2"})
    job = demo_client.submit(*values, api_name=f"/{endpoint_name(spec)}")
    final = job.result(timeout=120)
    texts = [output_of("generation", list(partial), "text") for partial in job.outputs()]
    assert texts[-1] == output_of("generation", list(final), "text") == "and runs into the woods."
    assert texts[:2] == ["and", "and runs"]  # partial outputs, token by token, before the final one
    assert all(later.startswith(earlier.rstrip(".")) for earlier, later in zip(texts, texts[1:]))
    assert "tiny-gpt2 (local)" in output_of("generation", list(final), "model")


def test_errors_reach_the_user_in_the_tabs_output_area_in_the_pages_words(demo_client):
    assert "fill in 'text' first" in refusal("sentiment", call_task(demo_client, "sentiment", text="   "))
    too_big = refusal("sentiment", call_task(demo_client, "sentiment", text="word " * (TEST_MAX_INPUT_CHARS // 4)))
    assert f"at most {TEST_MAX_INPUT_CHARS:,}" in too_big and "--" not in too_big
    # the host checks the range and names the field (Gradio's own check named none)
    out_of_range = refusal("keywords", call_task(demo_client, "keywords", text="solar panels on roofs", top_k=500))
    assert "top\\_k=500 is above the maximum 50" in out_of_range and "--arg" not in out_of_range
    unknown_test = refusal("bias", call_task(demo_client, "bias", test="weat99"))
    assert "weat99" in unknown_test
    assert "not valid JSON" in refusal("bias", call_task(demo_client, "bias", test='{"targ1": '))


def test_a_model_the_server_does_not_offer_is_refused_alike_whether_or_not_its_path_exists(demo_client, tmp_path):
    real = tmp_path / "a-model"
    real.mkdir()
    (real / "config.json").write_text("{}")
    typed = (str(real), "/no/such/model/dir", "../../etc", "org/name")
    messages = []
    for value in typed:
        # the Model dropdown takes no typed value on this server: refused before any handler runs
        with pytest.raises(AppError) as refused:
            call_task(demo_client, "sentiment", text="fine", model=value)
        messages.append(str(refused.value).replace(value, "TYPED"))
    assert len(set(messages)) == 1 and "not in the list of choices" in messages[0]
    assert not any(word in messages[0] for word in ("exist", "directory", "could not be loaded"))


def test_one_bad_request_among_users_answered_together_fails_alone(demo_client):
    from nlpsuite.registry import get_task
    from nlpsuite.web.task_form import TaskForm

    form = TaskForm(get_task("sentiment"))
    texts = ["The room was lovely.", "", "The food was awful.", "x" * (TEST_MAX_INPUT_CHARS + 1)] * 4
    jobs = [demo_client.submit(*form.values_for({"text": text}), api_name="/sentiment") for text in texts]
    answers = [list(job.result(timeout=120)) for job in jobs]
    for text, values in zip(texts, answers):
        label, error = output_of("sentiment", values, "label"), output_of("sentiment", values, "error")
        if 0 < len(text) <= TEST_MAX_INPUT_CHARS:
            assert not error and label["label"] == ("positive" if "lovely" in text else "negative")
        else:
            assert error and not label  # an empty label, not the result of another request


def _answer(client, task, *, upload=None, columns=None, labels=None, model=None, limit=0):
    file = gradio_client.handle_file(str(upload)) if upload else None
    values = dataset_values(task, upload=file, columns=columns, labels=labels, with_labels=True, model=model)
    return client.predict(*values, limit, api_name="/evaluate")


def _evaluate(client, task, **kwargs):
    """The Evaluate tab's summary, metrics, plots and files, once its error area is empty."""
    error, *results = _answer(client, task, **kwargs)
    assert not error, error
    return tuple(results)


def test_evaluate_runs_the_harness_on_the_sample_and_answers_again_from_its_cache(demo_client):
    began = time.perf_counter()
    summary, metrics, plots, files = _evaluate(demo_client, "sentiment")
    first_s = time.perf_counter() - began
    names = [row[0] for row in metrics["data"]]
    assert names == ["accuracy", "macro_f1"]
    accuracy = metrics["data"][0]
    assert 0.5 < accuracy[1] <= 1 and accuracy[2] <= accuracy[1] <= accuracy[3]  # value inside its CI
    assert "<svg" in plots
    assert sorted(Path(f).name for f in files) == ["report.html", "results.json"]
    results = json.loads(Path(next(f for f in files if f.endswith("results.json"))).read_text())
    assert results["task"] == "sentiment" and results["dataset"]["name"] == "sentiment-sample"

    began = time.perf_counter()
    summary_again, metrics_again, _, _ = _evaluate(demo_client, "sentiment")
    again_s = time.perf_counter() - began
    n = results["dataset"]["n"]
    assert f"{n} answered from the prediction cache, 0 predicted" in summary_again
    assert metrics_again["data"] == metrics["data"]
    assert again_s < max(first_s, 5.0)


def test_evaluate_reads_an_uploaded_jsonl_and_refuses_other_files(demo_client, tmp_path):
    data = tmp_path / "reviews.jsonl"
    data.write_text("\n".join(json.dumps({"review": text, "stars": label}) for text, label in [
        ("A wonderful, warm film.", "positive"), ("Dull and far too long.", "negative"),
        ("I loved every minute.", "positive"), ("The worst meal I have had.", "negative"),
    ]) + "\n", encoding="utf-8")
    summary, metrics, _, _ = _evaluate(demo_client, "sentiment", upload=data, columns={"text": "review", "label": "stars"})
    assert "4 samples" in summary and [row[0] for row in metrics["data"]] == ["accuracy", "macro_f1"]

    script = tmp_path / "evil.py"
    script.write_text("import os\n")
    with pytest.raises(AppError) as refused:
        _evaluate(demo_client, "sentiment", upload=script)
    assert "Invalid file type" in str(refused.value)  # the upload component refuses it before the tab's own check

    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps({"text": "x" * TEST_MAX_UPLOAD_BYTES, "label": "positive"}) + "\n")
    with pytest.raises((AppError, ValueError), match="maximum file size|at most"):  # the server's upload limit
        _evaluate(demo_client, "sentiment", upload=big)


def test_generation_reference_scores_the_continuation_against_the_visitors_reference(demo_client):
    from nlpsuite.registry import get_task

    prompt = get_task("generation-reference").examples[0]["prompt"]
    values = call_task(demo_client, "generation-reference", prompt=prompt, reference="and runs into the woods.",
                       model="local:tiny-gpt2")
    assert output_of("generation-reference", values, "text") == "and runs into the woods."
    scores = {row[0]: float(row[1]) for row in output_of("generation-reference", values, "scores")["data"]}
    assert set(scores) == {"chrf", "rougeL"} and scores["chrf"] == 100.0
    unscored = call_task(demo_client, "generation-reference", prompt=prompt, model="local:tiny-gpt2")
    assert not output_of("generation-reference", unscored, "scores")["data"]  # no reference, no scores
