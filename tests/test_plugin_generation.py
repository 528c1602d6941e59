"""The generation task through the real model path: a tiny GPT-2 saved, loaded back, generating and scoring."""

from __future__ import annotations

import json
import math
import random

import pytest

from nlpsuite.cli.app import main
from nlpsuite.errors import ModelUnavailableError, UsageError
from nlpsuite.registry import get_task
from nlpsuite.runtime import load_task
from nlpsuite.specs import TaskOptions
from nlpsuite.testing.tiny_causal_lm import DEFAULT_CONTEXT, DEFAULT_SENTENCES

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SNIPPET_TEXT = "The quick brown fox jumps over the lazy dog"


def quiet_task(model, **options):
    return load_task("generation", model=str(model), options=TaskOptions(**options), notify=lambda _m: None)


def corpus_perplexity(task, texts) -> float:
    scores = task.score(texts)
    return math.exp(sum(s.nll for s in scores) / sum(s.n_tokens for s in scores))


def shuffled(text: str, seed: int) -> str:
    words = text.split()
    rng = random.Random(seed)
    while True:
        order = words[:]
        rng.shuffle(order)
        if order != words:
            return " ".join(order)


def plain_model(model_dir):
    from transformers import AutoTokenizer, GPT2LMHeadModel

    return GPT2LMHeadModel.from_pretrained(model_dir).eval(), AutoTokenizer.from_pretrained(model_dir)


# ----- likelihood -----------------------------------------------------------------------------------------------

def test_memorised_sentences_score_near_1_shuffled_words_far_higher_untrained_twin_near_vocabulary(
    tiny_causal_lm, tiny_causal_lm_untrained
):
    task = quiet_task(tiny_causal_lm)
    texts = list(DEFAULT_SENTENCES)
    seen = corpus_perplexity(task, texts)
    scrambled = corpus_perplexity(task, [shuffled(t, n) for n, t in enumerate(texts)])
    # without the BOS context the first token is not scored: what remains is fully memorised
    context_only = corpus_perplexity(quiet_task(tiny_causal_lm, task_args={"score_first_token": False}), texts)
    untrained = quiet_task(tiny_causal_lm_untrained)
    vocabulary = len(untrained.predictor.tokenizer)
    baseline = corpus_perplexity(untrained, texts)
    print(f"perplexity: seen {seen:.3f} (first token context only: {context_only:.3f}), shuffled {scrambled:.1f}, "
          f"untrained {baseline:.1f} with V={vocabulary}")
    assert seen < 1.3 and context_only < 1.1
    assert scrambled > 10 * seen
    assert abs(baseline - vocabulary) / vocabulary < 0.1


def test_perplexity_equals_a_direct_transformers_computation_when_texts_fit_the_window(tiny_causal_lm):
    import torch

    model, tokenizer = plain_model(tiny_causal_lm)
    texts = [*DEFAULT_SENTENCES, "the dog reads a book in the park ."]
    nll, count = 0.0, 0
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([[tokenizer.bos_token_id, *tokenizer(text)["input_ids"]]])
            n = ids.shape[1] - 1
            nll += model(ids, labels=ids).loss.item() * n
            count += n
    direct = math.exp(nll / count)
    ours = corpus_perplexity(quiet_task(tiny_causal_lm), texts)
    assert ours == pytest.approx(direct, rel=1e-4)
    # the transformers guide's convention: no BOS, the first token is context only
    plain_nll, plain_count = 0.0, 0
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([tokenizer(text)["input_ids"]])
            plain_nll += model(ids, labels=ids).loss.item() * (ids.shape[1] - 1)
            plain_count += ids.shape[1] - 1
    guide = corpus_perplexity(quiet_task(tiny_causal_lm, task_args={"score_first_token": False}), texts)
    assert guide == pytest.approx(math.exp(plain_nll / plain_count), rel=1e-4)


@pytest.mark.parametrize("stride", [1, 8, 16, DEFAULT_CONTEXT - 1])
def test_windowed_perplexity_of_a_long_text_equals_a_direct_loop_with_the_same_stride(tiny_causal_lm, stride):
    """Windows end ``stride`` tokens apart and read the ``window`` tokens before their end (see causal_scoring)."""
    import torch

    model, tokenizer = plain_model(tiny_causal_lm)
    text = " ".join(DEFAULT_SENTENCES)  # about 70 tokens, more than twice the 32-token context
    ids = [tokenizer.bos_token_id, *tokenizer(text)["input_ids"]]
    assert len(ids) > 2 * DEFAULT_CONTEXT
    window = DEFAULT_CONTEXT
    nll, scored, end, prev_end = 0.0, 0, min(len(ids), window), 1
    with torch.no_grad():
        while True:
            start = max(0, end - window)
            chunk = torch.tensor([ids[start:end]])
            labels = chunk.clone()
            labels[0, : prev_end - start] = -100  # tokens before prev_end are context only
            n = end - prev_end
            nll += model(chunk, labels=labels).loss.item() * n
            scored += n
            if end == len(ids):
                break
            prev_end, end = end, min(len(ids), end + stride)
    (score,) = quiet_task(tiny_causal_lm, task_args={"stride": stride}).score([text])
    assert score.n_tokens == scored == len(ids) - 1
    assert score.nll == pytest.approx(nll, rel=1e-4)
    assert len(score.token_nll) == score.n_tokens


def test_a_smaller_window_scores_every_token_once_with_less_context(tiny_causal_lm):
    text = " ".join(DEFAULT_SENTENCES)
    (full,) = quiet_task(tiny_causal_lm).score([text])
    (narrow,) = quiet_task(tiny_causal_lm, task_args={"window": "8", "stride": "4"}).score([text])
    assert narrow.n_tokens == full.n_tokens  # every token scored exactly once
    # the first window's tokens see the same context either way; later ones see at most 8 tokens
    assert narrow.token_nll[:7] == pytest.approx(full.token_nll[:7], rel=1e-4)
    assert narrow.nll != pytest.approx(full.nll, rel=1e-3)


def test_a_stride_that_leaves_no_context_is_refused_with_the_range(tiny_causal_lm):
    with pytest.raises(UsageError, match="stride=32 must be from 1 to 31"):
        quiet_task(tiny_causal_lm, task_args={"stride": DEFAULT_CONTEXT})


def test_a_text_record_is_scored_and_a_prompt_record_generates_with_its_continuation_scored(tiny_causal_lm):
    task = quiet_task(tiny_causal_lm, task_args={"per_token": True}, generation={"max_new_tokens": 12})
    text, prompted, both, nothing = task.predict([
        {"text": DEFAULT_SENTENCES[1]},
        {"prompt": "my sister reads"},
        {"prompt": "my sister", "text": "reads a long book on the train ."},
        {},
    ])
    (direct,) = task.score([DEFAULT_SENTENCES[1]])
    assert "continuation" not in text
    assert text["likelihood"]["scored"] == "text" and text["likelihood"]["nll"] == pytest.approx(direct.nll)
    assert text["likelihood"]["n_bytes"] == len(DEFAULT_SENTENCES[1].encode())
    assert [t for t, _ in text["details"]["tokens"]] == DEFAULT_SENTENCES[1].split()
    assert prompted["continuation"] == "a long book on the train."
    assert prompted["likelihood"]["scored"] == "continuation given the prompt"
    assert prompted["details"]["finish_reason"] == "eos"
    assert both["likelihood"]["scored"] == "text given the prompt" and both["likelihood"]["perplexity"] < 1.2
    assert "prompt" in nothing["error"] and "text" in nothing["error"]


# ----- generation -----------------------------------------------------------------------------------------------

def test_the_documents_snippet_and_nlpsuite_run_with_no_settings_write_the_same_text(tiny_causal_lm, capsys):
    import torch

    # the document's snippet, on the tiny model (its word-level tokenizer stands in for GPT2Tokenizer)
    model, tokenizer = plain_model(tiny_causal_lm)
    input_ids = tokenizer.encode(SNIPPET_TEXT, return_tensors="pt")
    with torch.no_grad():
        output = model.generate(input_ids)
    expected = tokenizer.decode(output[0][input_ids.shape[1]:], skip_special_tokens=True)
    assert expected  # the model continues the sentence it memorised

    code = main(["run", "--task", "generation", "--model", str(tiny_causal_lm), SNIPPET_TEXT])
    row = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert code == 0
    assert row["prediction"]["continuation"] == expected == "and runs into the woods."
    assert row["prediction"]["details"]["generation"] == {}
    assert row["prediction"]["details"]["new_tokens"] == output.shape[1] - input_ids.shape[1]
    config = quiet_task(tiny_causal_lm).config()
    assert config["generation"] == {}
    assert "model's own generation defaults" in config["generation_settings"]
    assert "20 new tokens" in config["length"]


def test_seeded_sampling_repeats_different_seeds_differ_and_the_global_rng_is_left_alone(tiny_causal_lm_untrained):
    import torch

    prompts = [{"prompt": "the quick brown fox"}, {"prompt": "a small bird"}]

    def sample(seed: int) -> list[str]:
        options = {"do_sample": True, "temperature": 1.0, "max_new_tokens": 8, "seed": seed}
        return [o["continuation"] for o in quiet_task(tiny_causal_lm_untrained, generation=options).predict(prompts)]

    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = sample(7)
    assert torch.rand(1) == before  # sampling ran on a forked RNG
    assert sample(7) == first
    assert sample(8) != first
    # a prompt's sample does not depend on the prompts batched with it
    alone = quiet_task(tiny_causal_lm_untrained, generation={"do_sample": True, "max_new_tokens": 8, "seed": 7})
    assert alone.predict([prompts[1]])[0]["continuation"] == first[1]
    assert alone.config()["generation"]["seed"] == 7


def test_sampling_without_a_seed_records_seed_0(tiny_causal_lm):
    task = quiet_task(tiny_causal_lm, generation={"do_sample": True, "top_k": 5})
    assert task.config()["generation"] == {"do_sample": True, "top_k": 5, "seed": 0}
    (output,) = task.predict([{"prompt": "my sister"}])
    assert output["details"]["generation"]["seed"] == 0


def test_streaming_yields_growing_text_and_ends_with_the_non_streaming_output(tiny_causal_lm):
    for generation in ({}, {"do_sample": True, "temperature": 1.3, "seed": 3, "max_new_tokens": 10}):
        task = quiet_task(tiny_causal_lm, generation=generation)
        record = {"prompt": SNIPPET_TEXT}
        partials = list(task.stream(record))
        (final,) = task.predict([record])
        assert partials[-1] == final
        texts = [p["continuation"] for p in partials[:-1]]
        assert len(texts) >= 3 and all(b.startswith(a.rstrip(".")) for a, b in zip(texts, texts[1:]))


def test_stream_through_the_cli_prints_partials_then_the_final_row(tiny_causal_lm, capsys):
    code = main(["run", "--task", "generation", "--model", str(tiny_causal_lm), "--stream", SNIPPET_TEXT])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [line["partial"]["continuation"] for line in lines[:2]] == ["and", "and runs"]
    assert lines[-1]["prediction"]["continuation"] == "and runs into the woods."


def test_stop_strings_end_the_output_before_them_in_predict_and_stream(tiny_causal_lm):
    task = quiet_task(tiny_causal_lm, generation={"stop": ["the woods", "never"]})
    record = {"prompt": SNIPPET_TEXT}
    (output,) = task.predict([record])
    assert output["continuation"] == "and runs into "
    assert output["details"]["finish_reason"] == "stop"
    assert output["details"]["generation"]["stop"] == ["the woods", "never"]
    partials = list(task.stream(record))
    assert partials[-1] == output
    assert all("the" not in p["continuation"].split()[3:] for p in partials)  # "the" of "the woods" is held back


def test_greedy_prompts_batched_together_match_each_alone(tiny_causal_lm):
    task = quiet_task(tiny_causal_lm, generation={"max_new_tokens": 12})
    prompts = [{"prompt": p} for p in ("the baker makes", "children play football in the", "an old man walks his")]
    together = [o["continuation"] for o in task.predict(prompts)]
    alone = [task.predict([p])[0]["continuation"] for p in prompts]
    assert together == alone
    assert together[0] == "fresh bread before the sun rises."


def test_settings_that_do_not_fit_are_refused_before_generating(tiny_causal_lm):
    with pytest.raises(UsageError, match="do not fit"):
        quiet_task(tiny_causal_lm, generation={"temperature": 0.5})
    with pytest.raises(UsageError, match="has no generation setting .temprature.; did you mean .temperature."):
        quiet_task(tiny_causal_lm, generation={"temprature": 0.5})


def test_a_long_prompt_keeps_its_end_and_says_so(tiny_causal_lm):
    task = quiet_task(tiny_causal_lm, generation={"max_new_tokens": 8})
    prompt = " ".join(DEFAULT_SENTENCES[1:4]) + " the quick brown fox jumps over the lazy dog"
    (output,) = task.predict([{"prompt": prompt}])
    assert "prompt truncated" in output["warnings"][0] and "24 tokens" in output["warnings"][0]
    assert output["details"]["prompt_tokens"] == DEFAULT_CONTEXT - 8


def test_offline_without_a_model_says_what_to_pass():
    with pytest.raises(ModelUnavailableError) as caught:
        load_task("generation", options=TaskOptions(offline=True), notify=lambda _m: None)
    assert "no embedded fallback" in caught.value.message
    assert "--model PATH" in caught.value.hint


def test_the_task_declares_what_front_ends_need():
    spec = get_task("generation")
    assert spec.text_fields[0] == "prompt"
    assert set(spec.capabilities) == {"stream", "score"}
    assert spec.metric_keys == ["perplexity", "bits_per_byte"]
    assert {s.name for s in spec.generation_settings} >= {"num_beams", "do_sample", "temperature", "top_k", "top_p",
                                                          "max_new_tokens", "repetition_penalty", "stop", "seed"}


def test_beam_search_is_offered_and_recorded(tiny_causal_lm):
    task = quiet_task(tiny_causal_lm, generation={"num_beams": 3, "max_new_tokens": 10, "repetition_penalty": 1.2})
    (output,) = task.predict([{"prompt": "the baker makes"}])
    assert output["continuation"].startswith("fresh bread")
    assert list(task.stream({"prompt": "the baker makes"})) == [output]  # beam search yields its final text once
    assert task.config()["generation"] == {"num_beams": 3, "max_new_tokens": 10, "repetition_penalty": 1.2}
