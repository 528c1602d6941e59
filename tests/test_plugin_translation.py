"""The translation plugin through the real model path: tiny Marian models saved and loaded back."""

from __future__ import annotations

import sacrebleu
import pytest

from nlpsuite.errors import ModelUnavailableError, UsageError
from nlpsuite.registry import find_dataset, get_task
from nlpsuite.runtime import load_task
from nlpsuite.specs import TaskOptions
from nlpsuite.testing.tiny_seq2seq import DEFAULT_PAIRS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOURCES = [source for source, _ in DEFAULT_PAIRS]
TARGETS = [target for _, target in DEFAULT_PAIRS]
# Both models get the same settings; the targets are under 12 tokens.
SHORT = TaskOptions(generation={"max_new_tokens": 24})


def bleu(task) -> float:
    outputs = task.predict([{"source": s} for s in SOURCES])
    return sacrebleu.corpus_bleu([o["translation"] for o in outputs], [TARGETS]).score


def test_trained_tiny_marian_translates_its_pairs_and_the_untrained_twin_does_not(tiny_translator, tiny_translator_untrained):
    trained = bleu(load_task("translation", model=str(tiny_translator), options=SHORT))
    untrained = bleu(load_task("translation", model=str(tiny_translator_untrained), options=SHORT))
    print(f"BLEU trained {trained:.2f}, untrained twin {untrained:.2f}")
    assert trained >= 90
    assert untrained < 10


def test_generation_settings_are_explicit_recorded_and_overridable(tiny_translator):
    task = load_task("translation", model=str(tiny_translator))
    config = task.config()
    assert config["generation"]["num_beams"] == 4
    assert config["generation"]["do_sample"] is False
    # The tiny model has 128 positions, so the default 256 new tokens is lowered, and the note says so.
    assert config["generation"]["max_new_tokens"] == 127
    assert any("max_new_tokens lowered" in note for note in config["notes"])
    assert config["model_language_pair"] == ["en", "de"]
    greedy = load_task("translation", model=str(tiny_translator), options=TaskOptions(generation={"num_beams": 1}))
    assert greedy.config()["generation"]["num_beams"] == 1
    assert greedy.predict([{"source": SOURCES[0]}])[0]["translation"] == TARGETS[0].replace(" .", ".")


def test_unknown_generation_setting_is_refused_with_a_suggestion(tiny_translator):
    with pytest.raises(UsageError, match="num_beam") as info:
        load_task("translation", model=str(tiny_translator), options=TaskOptions(generation={"num_beam": 2}))
    assert "num_beams" in info.value.hint


def test_several_sentences_are_translated_one_by_one_and_rejoined_with_their_spacing(tiny_translator):
    task = load_task("translation", model=str(tiny_translator), options=SHORT)
    # Capitalised, as sentences in running text are (the tiny tokenizer lowercases them).
    source = f"{SOURCES[0].capitalize()}  {SOURCES[1].capitalize()}\n\n{SOURCES[4].capitalize()}"
    [output] = task.predict([{"source": source}])
    expected = f"{TARGETS[0]}  {TARGETS[1]}\n\n{TARGETS[4]}".replace(" .", ".")
    assert output["translation"] == expected
    assert "warnings" not in output


def test_very_long_input_is_cut_between_words_with_a_warning(tiny_translator):
    task = load_task("translation", model=str(tiny_translator), options=SHORT)
    # 600 tokens without a sentence end, in a 128-token window.
    [output] = task.predict([{"source": "the cat sleeps on the sofa " * 100}])
    assert output["translation"].strip()
    assert any("cut between words" in w for w in output["warnings"])


def test_empty_and_whitespace_sources_become_error_records_and_the_rest_is_translated(tiny_translator):
    task = load_task("translation", model=str(tiny_translator), options=SHORT)
    outputs = task.predict([{"source": ""}, {"source": " \n\t "}, {"source": SOURCES[2]}, {"text": "wrong field"}])
    assert outputs[0] == {"error": "field 'source' is empty"}
    assert outputs[1] == {"error": "field 'source' is empty"}
    assert outputs[2]["translation"] == TARGETS[2].replace(" .", ".")
    assert "missing field 'source'" in outputs[3]["error"]


def test_a_language_the_model_does_not_translate_is_flagged_per_record(tiny_translator):
    task = load_task("translation", model=str(tiny_translator), options=SHORT)
    outputs = task.predict([{"source": SOURCES[0], "tgt_lang": "fr"}, {"source": SOURCES[1], "src_lang": "en", "tgt_lang": "de"}])
    assert "tgt_lang 'fr' does not match model" in outputs[0]["error"]
    assert outputs[1]["translation"] == TARGETS[1].replace(" .", ".")


def test_multilingual_model_is_steered_by_language_codes(tiny_m2m100):
    task = load_task("translation", model=str(tiny_m2m100), options=SHORT)
    assert task.config()["language_handling"] == "language-tokens"
    outputs = task.predict(
        [
            {"source": SOURCES[0].capitalize(), "src_lang": "en", "tgt_lang": "de"},
            # The same model the other way; NLLB-style codes map to M2M100's tokens.
            {"source": TARGETS[1], "src_lang": "deu_Latn", "tgt_lang": "eng_Latn"},
            {"source": SOURCES[2]},
            {"source": SOURCES[2], "src_lang": "en", "tgt_lang": "fr"},
        ]
    )
    assert outputs[0] == {"translation": TARGETS[0].replace(" .", ".")}
    assert outputs[1] == {"translation": SOURCES[1].replace(" .", ".")}
    assert "field 'src_lang' is missing" in outputs[2]["error"] and "--src en --tgt de" in outputs[2]["error"]
    assert "tgt_lang 'fr'" in outputs[3]["error"] and "de, en" in outputs[3]["error"]
    with_defaults = load_task(
        "translation", model=str(tiny_m2m100), options=TaskOptions(task_args={"src_lang": "en", "tgt_lang": "de"}, generation={"max_new_tokens": 24})
    )
    assert with_defaults.predict([{"source": SOURCES[3]}]) == [{"translation": TARGETS[3].replace(" .", ".")}]


def test_offline_without_a_model_stops_with_what_to_pass():
    options = TaskOptions(offline=True, task_args={"src_lang": "en", "tgt_lang": "de"})
    with pytest.raises(ModelUnavailableError) as info:
        load_task("translation", options=options)
    assert "Helsinki-NLP/opus-mt-en-de" in info.value.message
    assert "no embedded fallback" in info.value.message
    assert "--model PATH" in info.value.hint and "go online" in info.value.hint


def test_default_model_follows_the_language_pair():
    choose = get_task("translation").default_model_for
    assert choose({"src_lang": "fr", "tgt_lang": "en"}) == "Helsinki-NLP/opus-mt-fr-en"
    assert choose({"tgt_lang": "de"}) == "Helsinki-NLP/opus-mt-en-de"
    assert choose({"src_lang": "deu_Latn"}) == "Helsinki-NLP/opus-mt-de-en"
    assert choose({}) is None
    assert get_task("translation").default_model == "Helsinki-NLP/opus-mt-en-de"
    with pytest.raises(UsageError, match="both 'en'"):
        choose({"src_lang": "en", "tgt_lang": "en"})


def test_unknown_task_argument_is_refused(tiny_translator):
    with pytest.raises(UsageError, match="sentence_splitting"):
        load_task("translation", model=str(tiny_translator), options=TaskOptions(task_args={"sentence_splitting": False}))


def test_a_model_that_is_not_seq2seq_is_refused():
    with pytest.raises(UsageError, match="not a sequence-to-sequence model"):
        load_task("translation", model="all-MiniLM-L6-v2")


def test_sample_dataset_has_twenty_english_german_pairs():
    records = list(find_dataset("translation-sample").load())
    assert len(records) == 20
    assert len({r["id"] for r in records}) == 20
    assert all(r["src_lang"] == "en" and r["tgt_lang"] == "de" and r["source"] and r["target"] for r in records)




def test_sentence_split_off_translates_the_whole_input_at_once(tiny_translator):
    split = load_task("translation", model=str(tiny_translator), options=SHORT)
    whole = load_task("translation", model=str(tiny_translator),
                      options=TaskOptions(generation={"max_new_tokens": 24}, task_args={"sentence_split": "false"}))
    assert split.config()["segmentation"].startswith("sentences")
    assert whole.config()["segmentation"].startswith("whole input as one segment")
    source = f"{SOURCES[0].capitalize()} {SOURCES[1].capitalize()}"
    [joined] = split.predict([{"source": source}])
    assert joined["translation"] == f"{TARGETS[0]} {TARGETS[1]}".replace(" .", ".")


def test_max_input_tokens_narrows_the_window_and_is_checked_by_the_host(tiny_translator):
    task = load_task("translation", model=str(tiny_translator),
                     options=TaskOptions(generation={"max_new_tokens": 24}, task_args={"max_input_tokens": 16}))
    assert task.config()["max_input_tokens"] == 16
    [output] = task.predict([{"source": "the cat sleeps on the sofa " * 10}])
    assert any("cut between words" in w for w in output["warnings"])
    with pytest.raises(UsageError, match="max_input_tokens=2 is below the minimum 4"):
        load_task("translation", model=str(tiny_translator), options=TaskOptions(task_args={"max_input_tokens": 2}))
