"""``--runtime ct2 [--quantize int8]``: seq2seq tasks on CTranslate2 give transformers' greedy outputs, convert
once per weights, record the runtime, and refuse what they cannot honour."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from nlpsuite.errors import UsageError
from nlpsuite.runtime import load_task
from nlpsuite.session import Session
from nlpsuite.specs import TaskOptions
from nlpsuite.testing.tiny_seq2seq import DEFAULT_PAIRS

CT2 = {"runtime": "ct2"}
TORCH = {"runtime": "torch"}  # the default (auto) may itself pick ct2 where it measures faster
CT2_INT8 = {"runtime": "ct2", "quantize": "int8"}
GREEDY = {"num_beams": 1}
needs_ct2 = pytest.mark.skipif(importlib.util.find_spec("ctranslate2") is None,
                               reason="the ct2 extra (ctranslate2) is not installed")
pytestmark = needs_ct2

# the memorised pairs, a pair joined into two sentences, words out of order, and unknown words
SOURCES = [source for source, _ in DEFAULT_PAIRS] + [
    "the dog plays in the garden . the weather is cold today .",
    "garden the in plays dog the",
    "zebras paint quietly",
]


def decoded(text: str) -> str:
    """A reference as the tiny tokenizer decodes it (no space before the full stop)."""
    return text.replace(" .", ".")


def translator(model, model_args, generation=None, **options):
    return load_task("translation", model=str(model), options=TaskOptions(
        device="cpu", model_args=model_args, generation=generation or {}, **options))


def translations(model, model_args, generation=None, sources=SOURCES, **options):
    return translator(model, model_args, generation, **options).predict([{"source": s} for s in sources])


@pytest.mark.parametrize("generation", [GREEDY, {**GREEDY, "max_new_tokens": 3}, {}],
                         ids=["greedy", "greedy-cut-at-3-tokens", "task-default-beams"])
def test_ct2_float32_gives_the_transformers_outputs_and_warnings(tiny_translator, generation):
    expected = translations(tiny_translator, TORCH, generation)
    got = translations(tiny_translator, CT2, generation)
    assert got == expected
    if generation.get("max_new_tokens") == 3:  # the cut is flagged alike, not only the text
        assert all("warnings" in output for output in got[: len(DEFAULT_PAIRS)])


def test_ct2_untrained_model_decodes_token_for_token_like_generate(tiny_translator_untrained):
    """Random weights make long, arbitrary outputs: any mismatch in the decoder's start or lengths shows."""
    generation = {**GREEDY, "max_new_tokens": 12, "min_new_tokens": 5}
    assert translations(tiny_translator_untrained, CT2, generation) == translations(tiny_translator_untrained, TORCH, generation)


def test_ct2_steers_a_multilingual_model_with_its_forced_language_token(tiny_m2m100):
    rows = [{"source": s, "src_lang": "en", "tgt_lang": "de"} for s, _ in DEFAULT_PAIRS[:4]] + \
           [{"source": t, "src_lang": "de", "tgt_lang": "en"} for _, t in DEFAULT_PAIRS[:4]]
    options = {"device": "cpu", "generation": {**GREEDY, "max_new_tokens": 24}}
    plain = load_task("translation", model=str(tiny_m2m100), options=TaskOptions(**options)).predict(rows)
    fast = load_task("translation", model=str(tiny_m2m100), options=TaskOptions(model_args=CT2, **options)).predict(rows)
    assert fast == plain
    assert [o["translation"] for o in fast[:4]] == [decoded(t) for _, t in DEFAULT_PAIRS[:4]]


def test_ct2_summarizer_matches_transformers_with_chunked_documents(tiny_summarizer):
    from tests.fixtures_seq2seq import SUMMARY_PAIRS

    documents = [{"document": d} for d, _ in SUMMARY_PAIRS] + [{"document": " ".join(d for d, _ in SUMMARY_PAIRS)}]
    for generation in (GREEDY, {}):  # greedy, and the task's beams with no_repeat_ngram_size and length_penalty
        options = {"device": "cpu", "generation": generation}
        plain = load_task("summarization", model=str(tiny_summarizer), options=TaskOptions(**options))
        fast = load_task("summarization", model=str(tiny_summarizer), options=TaskOptions(model_args=CT2, **options))
        assert fast.predict(documents) == plain.predict(documents)
    assert fast.config()["runtime"] == "ct2" and plain.config()["runtime"] == "torch"


def build_random_bart(directory):
    """An untrained BART saved by transformers 5 (its config has no ``normalize_before``; CTranslate2 reads it)."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    from nlpsuite.testing.tiny_tokenizer import build_word_tokenizer

    tokenizer = build_word_tokenizer([text for pair in DEFAULT_PAIRS for text in pair], template="<s> $A </s>")
    torch.manual_seed(0)
    model = BartForConditionalGeneration(BartConfig(
        vocab_size=len(tokenizer), d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128, max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id, forced_bos_token_id=tokenizer.bos_token_id,
        forced_eos_token_id=tokenizer.eos_token_id))
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def test_ct2_summarizes_with_a_bart_saved_by_transformers_5_as_generate_does(tmp_path):
    model = build_random_bart(tmp_path / "bart")
    documents = [{"document": source} for source, _ in DEFAULT_PAIRS]
    # greedy held to 5+ tokens (a random BART may end at once), and the task's beams with no_repeat_ngram_size=3;
    # both start from BART's forced <s>
    for generation in ({**GREEDY, "max_new_tokens": 10, "min_new_tokens": 5}, {"max_new_tokens": 10}):
        options = {"device": "cpu", "generation": generation}
        plain = load_task("summarization", model=str(model), options=TaskOptions(**options)).predict(documents)
        fast = load_task("summarization", model=str(model), options=TaskOptions(model_args=CT2, **options))
        assert fast.predict(documents) == plain
        assert all(len(o["summary"].split()) >= 4 for o in plain)


def test_ct2_int8_still_translates_the_memorised_pairs_and_is_recorded(tiny_translator):
    task = translator(tiny_translator, CT2_INT8, GREEDY)
    outputs = task.predict([{"source": s} for s, _ in DEFAULT_PAIRS])
    assert [o["translation"] for o in outputs] == [decoded(t) for _, t in DEFAULT_PAIRS]
    assert (task.config()["runtime"], task.config()["quantize"]) == ("ct2", "int8")
    plain = translator(tiny_translator, {}, GREEDY).config()
    # the default (auto) never picks int8, and records that it chose
    assert plain["quantize"] == "none" and plain["runtime_chosen_by"] == "auto"


def test_ct2_sampling_is_reproducible_with_its_seed(tiny_translator_untrained):
    sampled = {**GREEDY, "do_sample": True, "max_new_tokens": 8, "seed": 3}
    first = translations(tiny_translator_untrained, CT2, sampled)
    assert translations(tiny_translator_untrained, CT2, sampled) == first
    assert translations(tiny_translator_untrained, CT2, {**sampled, "seed": 4}) != first


def test_conversion_is_made_once_per_weights_and_quantization(tmp_path, monkeypatch, tiny_translator,
                                                             tiny_translator_untrained):
    import ctranslate2.converters

    from nlpsuite.models.ct2_conversion import ct2_model_directory, model_sha256

    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path))
    sha = model_sha256(tiny_translator)
    first, made = ct2_model_directory(tiny_translator, sha, "none")
    assert made and first.parent.parent == tmp_path / "converted" and sha[:32] in first.parent.name
    assert (first / "model.bin").is_file()
    stamp = (first / "model.bin").stat().st_mtime_ns

    def refuse(*_args, **_kwargs):
        raise AssertionError("converted again")

    monkeypatch.setattr(ctranslate2.converters.TransformersConverter, "convert", refuse)
    again, made_again = ct2_model_directory(tiny_translator, sha, "none")
    assert again == first and not made_again and (first / "model.bin").stat().st_mtime_ns == stamp
    assert not [p for p in (tmp_path / "converted").iterdir() if p.name.endswith(".partial")]
    with pytest.raises(AssertionError, match="converted again"):  # int8 is its own conversion
        ct2_model_directory(tiny_translator, sha, "int8")
    with pytest.raises(AssertionError, match="converted again"):  # so are other weights
        ct2_model_directory(tiny_translator_untrained, model_sha256(tiny_translator_untrained), "none")


def test_changed_weights_in_the_same_directory_are_converted_anew(tmp_path, monkeypatch, tiny_translator,
                                                                  tiny_translator_untrained):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))
    model = tmp_path / "tiny-opus-mt-en-de"
    shutil.copytree(tiny_translator, model)
    trained = translations(model, CT2, GREEDY, sources=[DEFAULT_PAIRS[0][0]])
    shutil.copy(tiny_translator_untrained / "model.safetensors", model / "model.safetensors")
    untrained = translations(model, CT2, GREEDY, sources=[DEFAULT_PAIRS[0][0]],
                             session=Session())
    assert trained[0]["translation"] == decoded(DEFAULT_PAIRS[0][1]) != untrained[0]["translation"]
    assert len(list((tmp_path / "cache" / "converted").iterdir())) == 2


def test_runtime_choice_is_in_the_prediction_cache_key(tiny_translator):
    from nlpsuite.evaluation.prediction_cache import config_key
    from nlpsuite.evaluation.runner import prediction_key_description

    keys = set()
    for model_args in ({}, CT2, CT2_INT8):
        loaded = translator(tiny_translator, model_args, GREEDY)
        description = prediction_key_description(loaded, {"plugin": "translation"}, loaded.config())
        assert description["model"]["model_args"] == model_args
        keys.add(config_key(description))
    assert len(keys) == 3


@pytest.mark.parametrize(("generation", "named"), [
    ({"num_beams": 2, "do_sample": True}, "one beam only"),
    ({**GREEDY, "do_sample": True, "typical_p": 0.5}, "typical_p=0.5"),
    ({"num_beams": 2, "early_stopping": False}, "early_stopping=False"),
    ({"num_beams": 4, "num_beam_groups": 2, "diversity_penalty": 0.5}, "diversity_penalty=0.5"),
    ({**GREEDY, "encoder_no_repeat_ngram_size": 2}, "encoder_no_repeat_ngram_size=2"),
])
def test_settings_ct2_cannot_honour_are_refused_by_name(tiny_translator, generation, named):
    with pytest.raises(UsageError, match="cannot honour") as caught:
        translator(tiny_translator, CT2, generation)
    assert named in caught.value.message and "drop --runtime ct2" in caught.value.hint


def test_a_setting_from_the_models_generation_config_is_refused_naming_its_source(tmp_path, tiny_translator):
    import json

    model = tmp_path / "tiny-opus-mt-en-de"
    shutil.copytree(tiny_translator, model)
    config = json.loads((model / "generation_config.json").read_text())
    (model / "generation_config.json").write_text(json.dumps({**config, "epsilon_cutoff": 0.001}))
    with pytest.raises(UsageError, match=r"epsilon_cutoff=0.001 \(from the model's generation_config\)"):
        translator(model, CT2, GREEDY)


def test_runtime_ct2_without_ctranslate2_says_what_to_install(monkeypatch, tiny_translator):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ctranslate2" else real(name, *a))
    with pytest.raises(UsageError, match="needs ctranslate2") as caught:
        translator(tiny_translator, CT2, GREEDY, session=Session())
    assert "nlpsuite[ct2]" in caught.value.hint


def test_each_loader_refuses_a_runtime_it_lacks_saying_what_runs_where(tiny_translator):
    with pytest.raises(UsageError, match="--runtime onnx --quantize none is not available") as caught:
        translator(tiny_translator, {"runtime": "onnx"})
    assert "use --runtime ct2 for this model" in caught.value.hint
    with pytest.raises(UsageError, match="--runtime ct2 --quantize none is not available") as caught:
        load_task("sentiment", None, TaskOptions(offline=True, quiet=True, model_args=CT2), notify=lambda _m: None)
    assert "use --runtime onnx for this model" in caught.value.hint and "--runtime ct2 runs sequence-to-sequence" \
        in caught.value.hint


def test_cli_takes_runtime_ct2_with_int8():
    import argparse

    from nlpsuite.cli.options import add_model_options, task_options_from

    parser = argparse.ArgumentParser()
    add_model_options(parser)
    assert task_options_from(parser.parse_args(["--runtime", "ct2", "--quantize", "int8"])).model_args == CT2_INT8
    # --quantize int8 alone is auto's: the fastest int8 runtime; torch has none
    assert task_options_from(parser.parse_args(["--quantize", "int8"])).model_args == {"quantize": "int8"}
    with pytest.raises(UsageError, match="ONNX Runtime or CTranslate2"):
        task_options_from(parser.parse_args(["--runtime", "torch", "--quantize", "int8"]))


# --- causal LMs (the generation task) -----------------------------------------------------------------

PROMPTS = [{"prompt": p} for p in ("the quick brown", "a small bird", "my sister reads a long", "children play",
                                    "an old")]


def generation_task(model, model_args, generation):
    return load_task("generation", model=str(model), options=TaskOptions(device="cpu", model_args=model_args,
                                                                           generation=generation))


@pytest.mark.parametrize("generation", [
    {"max_new_tokens": 12}, {}, {"max_new_tokens": 6, "min_new_tokens": 6},
    {"num_beams": 3, "max_new_tokens": 10, "early_stopping": True},
], ids=["greedy", "model-defaults", "exact-length", "beams"])
def test_ct2_generation_gives_the_transformers_continuations_and_scores(tiny_causal_lm, generation):
    plain = generation_task(tiny_causal_lm, TORCH, generation)
    fast = generation_task(tiny_causal_lm, CT2, generation)
    assert fast.predict(PROMPTS) == plain.predict(PROMPTS)
    assert (fast.config()["runtime"], plain.config()["runtime"]) == ("ct2", "torch")


def test_ct2_generation_ends_at_stop_strings_and_streams(tiny_causal_lm):
    generation = {"max_new_tokens": 12, "stop": ["the"]}
    plain = generation_task(tiny_causal_lm, TORCH, generation).predict(PROMPTS)
    fast_task = generation_task(tiny_causal_lm, CT2, generation)
    fast = fast_task.predict(PROMPTS)
    assert [o["continuation"] for o in fast] == [o["continuation"] for o in plain]
    assert [o["likelihood"] for o in fast] == [o["likelihood"] for o in plain]
    assert {o["details"]["finish_reason"] for o in fast} == {"stop"}
    # the tokens up to the stop, counted alike: not the padding generate appends to rows done before the others
    counts = [o["details"]["new_tokens"] for o in fast]
    assert counts == [o["details"]["new_tokens"] for o in plain] and len(set(counts)) > 1
    streamed = list(generation_task(tiny_causal_lm, CT2, {"max_new_tokens": 12}).stream(PROMPTS[0]))
    assert len(streamed) > 2 and streamed[-1] == generation_task(tiny_causal_lm, TORCH, {"max_new_tokens": 12}).predict(
        [PROMPTS[0]])[0]
    with pytest.raises(UsageError, match="cannot end beam search"):
        generation_task(tiny_causal_lm, CT2, {**generation, "num_beams": 2, "early_stopping": True})


def test_ct2_generation_samples_reproducibly_per_prompt(tiny_causal_lm_untrained):
    sampled = {"do_sample": True, "max_new_tokens": 8, "seed": 5}
    task = generation_task(tiny_causal_lm_untrained, CT2, sampled)
    first = task.predict(PROMPTS)
    assert task.predict(list(reversed(PROMPTS))) == list(reversed(first))  # a prompt's sample: its seed alone
    assert generation_task(tiny_causal_lm_untrained, CT2, {**sampled, "seed": 6}).predict(PROMPTS) != first
    assert "CTranslate2" in task.config()["sampling"]


# --- --runtime auto for seq2seq models ------------------------------------------------------------------


def test_auto_runs_greedy_translation_on_the_faster_runtime_with_generates_outputs(tiny_translator):
    auto = translator(tiny_translator, {}, GREEDY, session=Session())
    config = auto.config()
    assert config["runtime_chosen_by"] == "auto" and config["runtime"] in ("torch", "ct2")
    selection = auto.predictor.runtime_selection
    measured = {m.runtime: m for m in selection.measurements}
    assert set(measured) == {"torch", "ct2"}
    assert measured[config["runtime"]].exact is not False  # whatever auto chose gives generate's tokens
    forced = translations(tiny_translator, {"runtime": "torch"}, GREEDY, session=Session())
    assert [o["translation"] for o in auto.predict([{"source": s} for s in SOURCES])] == \
        [o["translation"] for o in forced]


def test_auto_keeps_beam_search_on_torch_whose_beams_ct2_does_not_reproduce(tiny_translator):
    beams = translator(tiny_translator, {}, {"num_beams": 4}, session=Session())
    assert beams.config()["runtime"] == "torch"


def test_quantize_int8_alone_runs_a_seq2seq_model_on_ct2(tiny_translator):
    int8 = translator(tiny_translator, {"quantize": "int8"}, GREEDY, session=Session())
    assert (int8.config()["runtime"], int8.config()["quantize"]) == ("ct2", "int8")


def test_auto_generates_greedy_continuations_on_the_faster_runtime_with_the_same_tokens(tiny_causal_lm):
    settings = {"max_new_tokens": 12, "stop": ["."]}
    auto = generation_task(tiny_causal_lm, {}, settings)
    config = auto.config()
    assert config["runtime_chosen_by"] == "auto" and config["runtime"] in ("torch", "ct2")
    measured = {m.runtime: m for m in auto.predictor.runtime_selection.measurements}
    assert set(measured) == {"torch", "ct2"} and measured[config["runtime"]].exact is not False
    torch_out = generation_task(tiny_causal_lm, TORCH, settings).predict(PROMPTS)
    assert [o["continuation"] for o in auto.predict(PROMPTS)] == [o["continuation"] for o in torch_out]
    # sampling never leaves torch under auto: CTranslate2 draws other numbers
    sampled = generation_task(tiny_causal_lm, {}, {"do_sample": True, "max_new_tokens": 5})
    assert sampled.config()["runtime"] == "torch" and "runtime_chosen_by" not in sampled.config()


def test_runtimes_shows_what_auto_chose_for_a_generation_model(tiny_causal_lm, capsys):
    import json

    from nlpsuite.cli.app import main

    assert main(["runtimes", "--task", "generation", "--model", str(tiny_causal_lm), "--gen-kwargs",
                 "max_new_tokens=8", "--json", "-q"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["runtime"]["runtime_chosen_by"] == "auto"
    chosen = [row for row in report["models"] if row["chosen_by"] == "auto"]
    assert chosen and {m["runtime"] for m in chosen[0]["selection"]["measurements"]} == {"torch", "ct2"}
    assert chosen[0]["runtime"] == report["runtime"]["runtime"]


def test_auto_measures_each_settings_apart_and_falls_back_to_torch_where_ct2_refuses_them(tiny_translator):
    greedy = translator(tiny_translator, {}, GREEDY, session=Session())
    assert greedy.config()["runtime_chosen_by"] == "auto"
    # a setting CTranslate2 cannot honour, after a stored greedy choice: torch runs it, nothing is refused
    unmapped = {**GREEDY, "encoder_no_repeat_ngram_size": 2}
    task = translator(tiny_translator, {}, unmapped, session=Session())
    assert task.config()["runtime"] == "torch"
    refused = next(m for m in task.predictor.runtime_selection.measurements if m.runtime == "ct2")
    assert refused.refused and "encoder_no_repeat_ngram_size" in refused.error
    assert "error" not in task.predict([{"source": SOURCES[0]}])[0]
    # the same settings forced onto ct2 are still refused by name
    with pytest.raises(UsageError, match="encoder_no_repeat_ngram_size"):
        translator(tiny_translator, CT2, unmapped, session=Session())
