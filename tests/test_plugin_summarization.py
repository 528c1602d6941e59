"""The summarization plugin: abstractive on a tiny seq2seq model, extractive on the embedded MiniLM."""

from __future__ import annotations

import pytest

from nlpsuite.errors import UsageError
from nlpsuite.registry import find_dataset
from nlpsuite.runtime import load_task
from nlpsuite.sentences import split_sentences
from nlpsuite.specs import TaskOptions
from tests.fixtures_seq2seq import SUMMARIZER_WINDOW, SUMMARY_PAIRS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# Written for this test: a story about a town's new tram line, with one sentence that
# repeats another almost word for word, and short navigation lines like a web page has.
TRAM_STORY = """Share this
Email
The city of Norburg opened its first tram line on Saturday after four years of construction.
The new line runs eleven kilometres from the main station to the university hospital.
Trams will run every six minutes during the day and every fifteen minutes at night.
The city opened its first tram line in Norburg on Saturday after four years of building work.
Local shop owners on Market Street complained that the building work had cost them customers.
The mayor said a second line to the airport could be finished within ten years.
A single ticket costs two euros, the same price as a bus ticket."""

EXTRACTIVE = TaskOptions(offline=True)
EMBEDDED_MODEL = "all-MiniLM-L6-v2"


def normalise(text: str) -> str:
    return " ".join(text.replace(" .", ".").split())


@pytest.fixture(scope="module")
def extractive_task():
    notices: list[str] = []
    task = load_task("summarization", options=EXTRACTIVE, notify=notices.append)
    return task, notices


# --- extractive fallback on the embedded MiniLM -------------------------------------------------


def test_offline_falls_back_to_the_embedded_model_with_a_notice(extractive_task):
    task, notices = extractive_task
    assert task.model.fallback is True
    assert task.model.name == "all-MiniLM-L6-v2 (embedded)"
    assert len(notices) == 1 and "sshleifer/distilbart-cnn-12-6" in notices[0] and "all-MiniLM-L6-v2" in notices[0]
    assert task.config()["method"] == "extractive"


def test_extractive_summary_is_document_sentences_in_order_within_budget(extractive_task):
    task, _ = extractive_task
    [output] = task.predict([{"document": TRAM_STORY}])
    sentences = split_sentences(output["summary"])
    lines = TRAM_STORY.splitlines()
    assert 1 <= len(sentences) <= 3
    assert len(output["summary"].split()) <= 40  # the default word budget
    assert all(s in lines for s in sentences), sentences
    assert [lines.index(s) for s in sentences] == sorted(lines.index(s) for s in sentences)
    # The navigation lines are too short to be picked, and the near-duplicate opening is picked at most once.
    assert "Email" not in sentences and "Share this" not in sentences
    assert sum("first tram line" in s for s in sentences) == 1


def test_extractive_budget_comes_from_task_arguments():
    task = load_task("summarization", model="all-MiniLM-L6-v2", options=TaskOptions(task_args={"max_sentences": 1}))
    [output] = task.predict([{"document": TRAM_STORY}])
    assert output["summary"] in TRAM_STORY.splitlines()
    assert task.config()["max_sentences"] == 1

    tight = load_task("summarization", model="all-MiniLM-L6-v2", options=TaskOptions(task_args={"max_words": 6}))
    [cut] = tight.predict([{"document": TRAM_STORY}])
    assert len(cut["summary"].split()) == 6
    assert "no sentence fits the 6-word budget" in cut["warnings"][0]


# Written for this test: a chat whose first turns are greetings and whose point comes later.
CHAT = """Maya: Hi Leo!
Leo: Hey Maya, how are you?
Maya: Good thanks, and you?
Leo: Fine. Listen, the car broke down this morning.
Maya: Oh no, is the garage able to repair it soon?
Leo: The garage says the gearbox repair will take until Friday and cost six hundred euros.
Maya: Then I will drive the children to school every morning until Friday.
Leo: Thank you, that helps a lot.
Maya: Bye!"""


def test_dialogue_summary_is_made_of_whole_turns_and_not_the_opening_greetings(extractive_task):
    task, _ = extractive_task
    [output] = task.predict([{"document": CHAT}])
    turns = output["summary"].splitlines()
    lines = CHAT.splitlines()
    assert all(turn in lines for turn in turns), turns
    assert not set(turns) & set(lines[:3])  # the greetings
    assert any("gearbox" in turn for turn in turns)
    assert len(output["summary"].split()) <= 40


def test_the_position_prior_favours_the_opening_of_prose_and_can_be_switched_off():
    # Written for this test: every sentence is on topic; only position tells them apart for the prior.
    story = (
        "The council approved the new swimming pool on Monday. "
        "The pool will have a fifty-metre lane for training. "
        "Work on the pool starts in spring and the pool opens next year. "
        "The pool will cost twelve million euros, paid by the council."
    )
    first = "The council approved the new swimming pool on Monday."
    on = load_task("summarization", EMBEDDED_MODEL, TaskOptions(task_args={"max_sentences": 1, "prior_weight": 10.0}))
    assert on.predict([{"document": story}])[0]["summary"] == first
    off = load_task("summarization", EMBEDDED_MODEL, TaskOptions(task_args={"max_sentences": 1, "position_prior": "off"}))
    assert off.config()["position_prior"]["applied_to"] == "no document"
    dialogue = "\n".join(f"{name}: {line}" for name, line in zip(["Ann", "Bob"] * 2, story.split(". ")))
    # A dialogue gets no prior under 'auto', so the prior cannot decide it.
    assert on.predictor.budget_for("dialogue").prior_weight == 0.0
    assert on.predictor.budget_for("prose").prior_weight == 10.0
    assert on.predict([{"document": dialogue}])[0]["summary"] == off.predict([{"document": dialogue}])[0]["summary"]


def test_config_names_the_method_budget_and_prior(extractive_task):
    task, _ = extractive_task
    config = task.config()
    assert "soft position prior" in config["selection"] and "maximal marginal relevance" in config["selection"]
    assert (config["max_sentences"], config["max_words"], config["mmr_lambda"]) == (3, 40, 0.5)
    assert config["position_prior"]["mode"] == "auto" and config["position_prior"]["weight"] == 1.0
    assert "dialogue" in config["document_kind"]
    with pytest.raises(UsageError, match="position_prior"):
        load_task("summarization", EMBEDDED_MODEL, TaskOptions(task_args={"position_prior": "always"}))
    with pytest.raises(UsageError, match="prior_weight"):
        load_task("summarization", EMBEDDED_MODEL, TaskOptions(task_args={"prior_weight": -1}))
    slow = load_task("summarization", EMBEDDED_MODEL, TaskOptions(task_args={"prior_decay": "12.5"}))
    assert slow.config()["position_prior"]["decay_sentences"] == 12.5
    with pytest.raises(UsageError, match="prior_decay=0 is below the minimum 0.1"):
        load_task("summarization", EMBEDDED_MODEL, TaskOptions(task_args={"prior_decay": 0}))


def test_mmr_skips_a_sentence_that_repeats_one_already_picked():
    import numpy as np

    from nlpsuite.plugins.summarization.extractive import Budget, select_sentences

    # Sentences 0 and 1 say the same thing and are the most central; 2 and 3 each add another side.
    vectors = np.array([[1.0, 0.1, 0.0], [1.0, 0.12, 0.0], [0.8, 0.6, 0.0], [0.8, -0.6, 0.0]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    diverse = select_sentences(vectors, [5] * 4, [True] * 4, Budget(2, 100, mmr_lambda=0.5, min_sentence_words=0))
    assert len(diverse) == 2 and 0 in diverse and 1 not in diverse
    relevance_only = select_sentences(vectors, [5] * 4, [True] * 4, Budget(2, 100, mmr_lambda=1.0, min_sentence_words=0))
    assert relevance_only == [0, 1]
    # The word budget skips a sentence that does not fit and takes the next best that does.
    assert select_sentences(vectors, [5, 5, 50, 5], [True] * 4, Budget(2, 12, mmr_lambda=0.5, min_sentence_words=0)) == [0, 3]


def test_extractive_handles_a_long_passage_without_sentence_ends(extractive_task):
    task, _ = extractive_task
    document = " ".join(f"word{i % 50} and more text" for i in range(300))  # 1,200 words, no period
    [output] = task.predict([{"document": document}])
    assert 0 < len(output["summary"].split()) <= 80
    assert "without a sentence boundary" in output["warnings"][0]


def test_extractive_flags_empty_and_whitespace_documents_and_answers_the_rest(extractive_task):
    task, _ = extractive_task
    outputs = task.predict([{"document": ""}, {"document": "   \n "}, {"document": "One short sentence about trams."}])
    assert outputs[0] == {"error": "field 'document' is empty"}
    assert outputs[1] == {"error": "field 'document' is empty"}
    assert outputs[2] == {"summary": "One short sentence about trams.", "details": {"sentence_split": "cased"}}


LOWERCASED_TOKENIZED = (
    "-lrb- cnn -rrb- nepal 's maoist rebels said monday they would join peace talks next week . "
    "koirala 's group , however , said it had not been told of any such plan . "
    "`` we will wait for a written offer , '' a spokesman for the group said . "
    "an outbreak of cholera has killed dozens of people in the west of the country this month . "
    "health officials said the u.s. had sent medical teams to the worst hit villages ."
)


def test_lowercased_tokenized_news_is_split_into_its_sentences():
    from nlpsuite.sentences import split_sentences, split_style

    assert split_style(LOWERCASED_TOKENIZED) == "lowercased"
    sentences = split_sentences(LOWERCASED_TOKENIZED)
    assert len(sentences) == 5
    assert sentences[1].startswith("koirala 's group") and sentences[1].endswith("plan .")
    assert sentences[2] == "`` we will wait for a written offer , '' a spokesman for the group said ."
    assert "u.s. had sent" in sentences[4]  # an abbreviation inside a lowercased sentence does not end it
    # cased prose keeps its rule: a period before a lowercase word ends nothing
    assert split_sentences("He met the u.s. envoy. then left. Later he slept.") == [
        "He met the u.s. envoy. then left.", "Later he slept."]


def test_extractive_summary_of_lowercased_tokenized_news_is_whole_sentences(extractive_task):
    task, _ = extractive_task
    [output] = task.predict([{"document": LOWERCASED_TOKENIZED}])
    from nlpsuite.sentences import split_sentences

    picked = split_sentences(output["summary"])
    assert picked and set(picked) <= set(split_sentences(LOWERCASED_TOKENIZED))  # whole sentences, none cut
    assert output["summary"].endswith(" .") and not output["summary"].startswith(("of ", ", "))
    assert output["details"] == {"sentence_split": "lowercased"}
    assert "warnings" not in output  # no passage had to be cut into word windows


# --- abstractive path on a tiny seq2seq model --------------------------------------------------


def test_abstractive_tiny_model_writes_the_summaries_it_learnt(tiny_summarizer):
    task = load_task("summarization", model=str(tiny_summarizer))
    outputs = task.predict([{"document": document} for document, _ in SUMMARY_PAIRS])
    assert [normalise(o["summary"]) for o in outputs] == [normalise(summary) for _, summary in SUMMARY_PAIRS]
    config = task.config()
    assert config["method"] == "abstractive"
    assert config["generation"]["num_beams"] == 4 and config["generation"]["no_repeat_ngram_size"] == 3
    assert config["max_input_tokens"] == SUMMARIZER_WINDOW


def test_abstractive_generation_settings_can_be_overridden(tiny_summarizer):
    options = TaskOptions(generation={"num_beams": 1, "max_new_tokens": 3})
    task = load_task("summarization", model=str(tiny_summarizer), options=options)
    assert task.config()["generation"]["max_new_tokens"] == 3
    assert "early_stopping" not in task.config()["generation"]  # beam-only default dropped for greedy decoding
    [output] = task.predict([{"document": SUMMARY_PAIRS[0][0]}])
    # Two words and the end token Marian forces at the limit: a cut-short summary, and the warning says so.
    assert normalise(SUMMARY_PAIRS[0][1]).startswith(output["summary"]) and len(output["summary"].split()) == 2
    assert "reached max_new_tokens=3" in output["warnings"][0]
    with pytest.raises(UsageError, match="num_beams=.four. is not a whole number"):
        load_task("summarization", model=str(tiny_summarizer), options=TaskOptions(generation={"num_beams": "four"}))


def test_document_longer_than_the_window_is_chunked_with_a_warning(tiny_summarizer):
    task = load_task("summarization", model=str(tiny_summarizer))
    # Three learnt documents, capitalised as running text: about 60 tokens, over the 48-token window.
    document = " ".join(d.capitalize() for d, _ in SUMMARY_PAIRS[:3])
    [output] = task.predict([{"document": document}])
    assert "summarized in 2 chunks of whole sentences" in output["warnings"][0]
    assert normalise(SUMMARY_PAIRS[0][1]) in normalise(output["summary"])


def test_document_longer_than_the_window_can_be_truncated_with_a_warning(tiny_summarizer):
    options = TaskOptions(task_args={"long_input": "truncate"})
    task = load_task("summarization", model=str(tiny_summarizer), options=options)
    document = " ".join(d for d, _ in SUMMARY_PAIRS[:3])
    [output] = task.predict([{"document": document}])
    assert output["summary"]
    assert output["warnings"][0].startswith("document truncated from ") and f"to {SUMMARIZER_WINDOW} tokens" in output["warnings"][0]


def test_very_long_document_without_sentence_ends_is_chunked_between_words(tiny_summarizer):
    task = load_task("summarization", model=str(tiny_summarizer), options=TaskOptions(generation={"max_new_tokens": 8}))
    [output] = task.predict([{"document": "the zoo welcomed two red panda cubs " * 40}])
    assert output["summary"]
    assert "cut between words" in output["warnings"][0]


def test_abstractive_flags_empty_documents(tiny_summarizer):
    task = load_task("summarization", model=str(tiny_summarizer))
    outputs = task.predict([{"document": " "}, {"document": SUMMARY_PAIRS[3][0]}])
    assert outputs[0] == {"error": "field 'document' is empty"}
    assert normalise(outputs[1]["summary"]) == normalise(SUMMARY_PAIRS[3][1])


# --- task surface ------------------------------------------------------------------------------


def test_unknown_task_argument_is_refused():
    with pytest.raises(UsageError, match=r"has no argument 'max_sentence'; did you mean 'max_sentences'"):
        load_task("summarization", model="all-MiniLM-L6-v2", options=TaskOptions(task_args={"max_sentence": 2}))


def test_sample_dataset_has_twenty_documents_with_summaries():
    records = list(find_dataset("summarization-sample").load())
    assert len(records) == 20
    assert len({r["id"] for r in records}) == 20
    assert all(len(split_sentences(r["document"])) >= 4 and r["summary"] for r in records)




def test_abstractive_max_input_tokens_narrows_the_window(tiny_summarizer):
    task = load_task("summarization", model=str(tiny_summarizer), options=TaskOptions(task_args={"max_input_tokens": 24}))
    assert task.config()["max_input_tokens"] == 24
    document = " ".join(d.capitalize() for d, _ in SUMMARY_PAIRS[:2])
    [output] = task.predict([{"document": document}])
    assert output["summary"].strip() and any("chunk" in w for w in output["warnings"])
