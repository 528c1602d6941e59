"""The classification plugin: fine-tuned and NLI paths on tiny models, embedded zero-/few-shot on MiniLM."""

from __future__ import annotations

import json

import pytest

from nlpsuite.errors import InputError, UsageError
from nlpsuite.labelled_examples import read_examples
from nlpsuite.registry import find_dataset
from nlpsuite.runtime import load_task
from nlpsuite.specs import TaskOptions
from nlpsuite.testing.tiny_classifier import DEFAULT_EXAMPLES
from tests.fixtures_classifier import NLI_TEXTS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

EMBEDDED = "all-MiniLM-L6-v2"

# Written for these tests: short texts whose topic is plain.
TOPIC_TEXTS = [
    ("The goalkeeper saved a penalty in the last minute of the final.", "sports"),
    ("Whisk the eggs with sugar, then fold in the flour and bake for twenty minutes.", "cooking"),
    ("Heavy snow and strong winds are expected across the north tomorrow.", "weather"),
    ("The sprinter won gold in the hundred metres.", "sports"),
    ("Simmer the tomatoes with garlic and basil for a quick pasta sauce.", "cooking"),
    ("A warm, sunny afternoon will give way to thunderstorms in the evening.", "weather"),
]
TOPICS = ["sports", "cooking", "weather"]

# Few-shot: support tickets under labels whose names say nothing, so only the examples can teach them.
TICKET_EXAMPLES = [
    ("I was charged twice for my subscription this month.", "queue-a"),
    ("Please refund the payment for the order I cancelled.", "queue-a"),
    ("My invoice shows the wrong amount.", "queue-a"),
    ("How do I update the credit card on my account?", "queue-a"),
    ("The app crashes as soon as I open the settings page.", "queue-b"),
    ("I cannot log in, the page says server error.", "queue-b"),
    ("The download freezes at ninety percent.", "queue-b"),
    ("After the update the screen stays black.", "queue-b"),
]
TICKET_QUERIES = [
    ("Why was my card billed two times?", "queue-a"),
    ("I want my money back for last month.", "queue-a"),
    ("The program freezes every time I click save.", "queue-b"),
    ("Login fails with an error message.", "queue-b"),
]


def accuracy(outputs: list[dict], gold: list[str]) -> float:
    return sum(o.get("label") == g for o, g in zip(outputs, gold)) / len(gold)


def write_jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def zero_shot():
    return load_task("classification", EMBEDDED, TaskOptions(offline=True, task_args={"labels": ",".join(TOPICS)}))


# --- the plugin as registered -------------------------------------------------------------------


def test_sample_dataset_has_labelled_records_with_candidates():
    records = list(find_dataset("classification-sample").load())
    assert 20 <= len(records) <= 40
    assert len({r["id"] for r in records}) == len(records)
    assert all(r["text"].strip() and r["label"] in r["labels"] for r in records)


def test_unknown_task_argument_is_refused_naming_the_arguments():
    with pytest.raises(UsageError) as info:
        load_task("classification", EMBEDDED, TaskOptions(offline=True, task_args={"lables": "a,b"}))
    assert "lables" in info.value.message and "hypothesis_template" in info.value.hint


def test_offline_default_falls_back_to_the_embedded_model_with_a_notice():
    notices: list[str] = []
    task = load_task("classification", options=TaskOptions(offline=True), notify=notices.append)
    assert task.model.fallback is True and task.model.name == f"{EMBEDDED} (embedded)"
    assert len(notices) == 1 and "facebook/bart-large-mnli" in notices[0]


# --- fine-tuned classifier: labels from the config ----------------------------------------------


def test_trained_tiny_classifier_gets_its_examples_right_and_its_untrained_twin_does_not(
    tiny_sentiment_classifier, tiny_sentiment_classifier_untrained
):
    records = [{"text": text} for text, _ in DEFAULT_EXAMPLES]
    gold = [label for _, label in DEFAULT_EXAMPLES]
    trained = load_task("classification", str(tiny_sentiment_classifier)).predict(records)
    untrained = load_task("classification", str(tiny_sentiment_classifier_untrained)).predict(records)
    assert accuracy(trained, gold) == 1.0
    assert accuracy(untrained, gold) <= 0.75
    assert set(trained[0]["scores"]) == {"negative", "positive"}
    assert sum(trained[0]["scores"].values()) == pytest.approx(1.0, abs=1e-4)


def test_fine_tuned_records_labels_restrict_or_warn(tiny_sentiment_classifier):
    task = load_task("classification", str(tiny_sentiment_classifier))
    assert task.config()["labels"] == ["negative", "positive"]
    [restricted, unknown] = task.predict(
        [{"text": "a dull and lifeless film", "labels": ["positive"]},
         {"text": "a dull and lifeless film", "labels": ["negative", "sports"]}]
    )
    assert restricted["label"] == "positive" and restricted["scores"] == {"positive": 1.0}
    assert unknown["label"] == "negative" and "['sports']" in unknown["warnings"][0]


def test_long_input_is_truncated_to_the_window_with_a_warning(tiny_sentiment_classifier):
    task = load_task("classification", str(tiny_sentiment_classifier))
    [output] = task.predict([{"text": "the acting is superb " * 60}])
    assert output["label"] == "positive"
    assert "truncated to the model's window of 64 tokens" in output["warnings"][0]


def test_few_shot_examples_need_a_sentence_encoder(tiny_sentiment_classifier, tmp_path):
    path = write_jsonl(tmp_path / "ex.jsonl", [{"text": t, "label": y} for t, y in TICKET_EXAMPLES])
    with pytest.raises(UsageError) as info:
        load_task("classification", str(tiny_sentiment_classifier), TaskOptions(task_args={"examples": path}))
    assert "fine-tuned classifier" in info.value.message and "drop --model" in info.value.hint


# --- zero-shot NLI --------------------------------------------------------------------------------


def test_nli_model_classifies_zero_shot_over_the_given_labels(tiny_nli):
    task = load_task("classification", str(tiny_nli))
    assert task.config()["method"] == "zero-shot NLI" and task.config()["hypothesis_template"] == "This example is {}."
    records = [{"text": text, "labels": ["sports", "cooking"]} for texts in NLI_TEXTS.values() for text in texts]
    gold = [topic for topic, texts in NLI_TEXTS.items() for _ in texts]
    outputs = task.predict(records)
    assert accuracy(outputs, gold) == 1.0
    assert all(sum(o["scores"].values()) == pytest.approx(1.0, abs=1e-4) for o in outputs)
    # Candidate order must not matter.
    [flipped] = task.predict([{"text": "chop the onions finely", "labels": ["cooking", "sports"]}])
    assert flipped["label"] == "cooking"


def test_nli_labels_from_task_argument_and_missing_labels_are_a_per_record_error(tiny_nli):
    task = load_task("classification", str(tiny_nli), TaskOptions(task_args={"labels": "sports,cooking"}))
    [given, fallback] = task.predict([{"text": "the team won the match", "labels": ["cooking", "sports"]},
                                      {"text": "stir the soup and add salt"}])
    assert given["label"] == "sports" and fallback["label"] == "cooking"
    bare = load_task("classification", str(tiny_nli))
    [ok, missing] = bare.predict([{"text": "the team won the match", "labels": "sports, cooking"},
                                  {"text": "the team won the match"}])
    assert ok["label"] == "sports"
    assert "needs candidate labels" in missing["error"] and "--arg labels=" in missing["error"]


def test_nli_hypothesis_template_must_hold_one_placeholder(tiny_nli):
    with pytest.raises(UsageError) as info:
        load_task("classification", str(tiny_nli), TaskOptions(task_args={"hypothesis_template": "About sports."}))
    assert "'{}'" in info.value.message


# --- embedded model: zero-shot by label descriptions ---------------------------------------------


def test_embedded_zero_shot_by_label_descriptions(zero_shot):
    outputs = zero_shot.predict([{"text": text} for text, _ in TOPIC_TEXTS])
    assert accuracy(outputs, [label for _, label in TOPIC_TEXTS]) == 1.0
    assert all(set(o["scores"]) == set(TOPICS) for o in outputs)
    config = zero_shot.config()
    assert "This text is about {}." in config["templates"] and len(config["templates"]) > 1
    assert config["template_use"].startswith("prompt ensemble")


def test_embedded_zero_shot_uses_given_descriptions():
    descriptions = {"x": "A recipe for a meal.", "y": "A report on a football game."}
    task = load_task("classification", EMBEDDED, TaskOptions(task_args={"labels": "x,y", "label_descriptions": json.dumps(descriptions)}))
    outputs = task.predict([{"text": TOPIC_TEXTS[0][0]}, {"text": TOPIC_TEXTS[1][0]}])
    assert [o["label"] for o in outputs] == ["y", "x"]


def test_empty_whitespace_and_long_inputs(zero_shot):
    long_text = "The goalkeeper saved a penalty in the final. " * 80
    empty, blank, long = zero_shot.predict([{"text": ""}, {"text": "  \n\t "}, {"text": long_text}])
    assert "empty" in empty["error"] and "empty" in blank["error"]
    assert long["label"] == "sports"
    assert "truncated to the model's window of 256 tokens" in long["warnings"][0]


def test_zero_shot_needs_at_least_two_labels(zero_shot):
    [output] = zero_shot.predict([{"text": "hello there", "labels": ["sports"]}])
    assert "at least 2 distinct labels" in output["error"]


# Written for these tests: news items under the label names users write, one obvious topic each.
NEWS_TEXTS = [
    ("The striker scored a hat-trick as the home team won the cup final.", "sports"),
    ("The tennis champion retired after losing in the first round at Wimbledon.", "sports"),
    ("Shares in the bank fell sharply after it reported a quarterly loss.", "business"),
    ("The retailer will cut two thousand jobs as profits slump.", "business"),
    ("Astronomers found water vapour on a planet orbiting a distant star.", "science and technology"),
    ("The company unveiled a faster processor for laptops and phones.", "science and technology"),
    ("The president met foreign leaders at the summit to discuss the war.", "world"),
    ("Thousands fled the fighting as rebels advanced on the capital.", "world"),
]
NEWS_LABELS = ["world", "sports", "business", "science and technology"]


def test_bare_label_names_pick_the_right_label_on_clear_news():
    task = load_task("classification", EMBEDDED, TaskOptions(task_args={"labels": ",".join(NEWS_LABELS)}))
    outputs = task.predict([{"text": text} for text, _ in NEWS_TEXTS])
    assert [o["label"] for o in outputs] == [label for _, label in NEWS_TEXTS]
    assert task.config()["label_adaptation"]["mode"] == "batch"


@pytest.mark.parametrize("args", [{"calibration": "generic"}, {"label_adaptation": "batch"},
                                  {"calibration": "generic", "label_adaptation": "batch"}])
def test_calibration_and_adaptation_keep_obvious_predictions(args):
    """A text with one obvious label keeps it, alone or among many texts, with any correction switched on."""
    plain = load_task("classification", EMBEDDED, TaskOptions(task_args={"labels": ",".join(TOPICS), "label_adaptation": "off"}))
    corrected = load_task("classification", EMBEDDED, TaskOptions(task_args={"labels": ",".join(TOPICS), **args}))
    records = [{"text": text} for text, _ in TOPIC_TEXTS] * 2  # 12 texts: enough for adaptation over 3 labels
    gold = [label for _, label in TOPIC_TEXTS] * 2
    assert [o["label"] for o in plain.predict(records)] == gold
    assert [o["label"] for o in corrected.predict(records)] == gold
    assert [corrected.predict([r])[0]["label"] for r in records[:6]] == gold[:6]


def test_adaptation_never_changes_the_label_of_a_text_classified_alone():
    import torch

    from nlpsuite.plugins.classification.label_adaptation import refine_anchors

    generator = torch.Generator().manual_seed(0)
    anchors = torch.nn.functional.normalize(torch.randn(4, 16, generator=generator), dim=1)
    for _ in range(20):
        text = torch.nn.functional.normalize(torch.randn(1, 16, generator=generator), dim=1)
        before = int((text @ anchors.T).argmax())
        assert int((text @ refine_anchors(text, anchors).T).argmax()) == before


def test_zero_shot_modes_are_validated():
    with pytest.raises(UsageError, match="calibration"):
        load_task("classification", EMBEDDED, TaskOptions(task_args={"labels": "a,b", "calibration": "yes"}))
    with pytest.raises(UsageError, match="label_adaptation"):
        load_task("classification", EMBEDDED, TaskOptions(task_args={"labels": "a,b", "label_adaptation": "always"}))


# --- embedded model: few-shot from a user's examples ---------------------------------------------


def test_few_shot_learns_labels_only_the_examples_explain(tmp_path):
    path = write_jsonl(tmp_path / "tickets.jsonl", [{"text": t, "label": y} for t, y in TICKET_EXAMPLES])
    notices: list[str] = []
    # examples= makes the embedded encoder the default: no fallback, no notice.
    task = load_task("classification", options=TaskOptions(offline=True, task_args={"examples": path}), notify=notices.append)
    assert task.model.name == f"{EMBEDDED} (embedded)" and task.model.fallback is False and notices == []
    outputs = task.predict([{"text": t} for t, _ in TICKET_QUERIES])
    assert accuracy(outputs, [y for _, y in TICKET_QUERIES]) == 1.0
    assert task.config()["labels"] == ["queue-a", "queue-b"]
    assert "linear probe + label prototypes" in task.config()["method"]
    [unknown] = task.predict([{"text": "hello", "labels": ["queue-c"]}])
    assert "queue-c" in unknown["error"] and "examples file" in unknown["error"]


def test_few_shot_counts_meaningful_label_names_as_evidence(tmp_path):
    # Two examples per label: the names sports/cooking/weather help, and leave-one-out sees it.
    rows = [{"text": t, "label": y} for t, y in TOPIC_TEXTS]
    path = write_jsonl(tmp_path / "topics.jsonl", rows)
    task = load_task("classification", EMBEDDED, TaskOptions(task_args={"examples": path}))
    assert task.config()["label_name_weight"] > 0
    queries = ["The referee sent off two players in the derby.", "Fry the onions until golden, then add rice.",
               "Fog will clear by noon, leaving a dry and mild day."]
    assert [o["label"] for o in task.predict([{"text": q} for q in queries])] == TOPICS


def test_few_shot_reads_csv_and_tsv(tmp_path):
    csv_path = tmp_path / "ex.csv"
    csv_path.write_text("label,text\n" + "".join(f'{y},"{t}"\n' for t, y in TICKET_EXAMPLES), encoding="utf-8")
    tsv_path = tmp_path / "ex.tsv"
    tsv_path.write_text("text\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in TICKET_EXAMPLES), encoding="utf-8")
    for path in (csv_path, tsv_path):
        examples = read_examples(path)
        assert [(e.text, e.label) for e in examples] == TICKET_EXAMPLES


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.jsonl", '{"text": "fine", "label": "a"}\n{"text": oops}\n', "bad.jsonl:2: not valid JSON"),
        ("nolabel.jsonl", '{"text": "fine", "label": "a"}\n\n{"text": "no label"}\n', "nolabel.jsonl:3: 'label' is missing"),
        ("header.csv", "sentence,label\nfine,a\n", "header.csv:1: the header must name columns 'text' and 'label'"),
        ("short.csv", "text,label\nfine,a\nonly one column\n", "short.csv:3: expected 2 columns, found 1"),
        ("one.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": "x"}\n', "has only one label (x)"),
        ("notes.txt", "text label\n", "unknown format .txt"),
    ],
)
def test_examples_file_errors_name_file_and_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_task("classification", EMBEDDED, TaskOptions(task_args={"examples": str(path)}))
    assert expected in info.value.message
    assert info.value.hint


def test_missing_examples_file(tmp_path):
    with pytest.raises(InputError) as info:
        load_task("classification", EMBEDDED, TaskOptions(task_args={"examples": str(tmp_path / "nope.jsonl")}))
    assert "does not exist" in info.value.message


def test_embedded_zero_shot_temperature_and_description_template_are_used():
    record = {"text": "The striker scored twice in the final.", "labels": ["sports", "cooking"]}
    sharp, soft = (
        load_task("classification", "all-MiniLM-L6-v2", TaskOptions(task_args={"temperature": t}),
                  notify=lambda _m: None).predict([record])[0]
        for t in ("0.01", "1.0")
    )
    assert sharp["label"] == soft["label"] == "sports"
    assert max(sharp["scores"].values()) > max(soft["scores"].values())
    templated = load_task("classification", "all-MiniLM-L6-v2",
                          TaskOptions(task_args={"description_template": "A news story about {}."}),
                          notify=lambda _m: None)
    assert templated.predict([record])[0]["label"] == "sports"
    with pytest.raises(UsageError, match="exactly once"):
        load_task("classification", "all-MiniLM-L6-v2", TaskOptions(task_args={"description_template": "no slot"}),
                  notify=lambda _m: None)
