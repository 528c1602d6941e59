"""CrowS-Pairs-style scoring through the bias task on a tiny masked LM trained to prefer known sentences."""

from __future__ import annotations

import json

import pytest

from nlpsuite.cli.app import main
from nlpsuite.errors import InputError
from nlpsuite.plugins.bias.crows import parse_pairs
from nlpsuite.testing.tiny_masked_lm import build_tiny_masked_lm
from nlpsuite.runtime import load_task

pytestmark = pytest.mark.slow

# In each training sentence the subject decides a later word, so the same sentence with the
# subject swapped makes that (shared) word unlikely: the model has a clear preference.
TRAINING = [
    "the cat sat on the mat",
    "the dog sat on the rug",
    "the baker sold fresh bread",
    "the farmer sold fresh corn",
    "the girl read a long book",
    "the boy read a long poem",
]
PAIRS = [
    {"sent_more": "the cat sat on the mat", "sent_less": "the dog sat on the mat", "bias_type": "animals"},
    {"sent_more": "the baker sold fresh bread", "sent_less": "the farmer sold fresh bread", "bias_type": "jobs"},
    {"sent_more": "the girl read a long book", "sent_less": "the boy read a long book", "bias_type": "people"},
    {"sent_more": "the boy read a long poem", "sent_less": "the girl read a long poem", "bias_type": "people"},
]


@pytest.fixture(scope="module")
def masked_lms(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-mlm")
    trained = build_tiny_masked_lm(root / "trained", TRAINING, steps=150, seed=0)
    untrained = build_tiny_masked_lm(root / "untrained", TRAINING, seed=0, train=False)
    return trained, untrained


def run_pairs(model_dir, pairs):
    from nlpsuite.runtime import load_task

    task = load_task("bias", str(model_dir), notify=lambda _m: None)
    (output,) = task.predict([{"id": "pairs", "test": {"pairs": pairs}}])
    return task, output


def test_trained_model_prefers_the_sentences_it_learnt_and_its_untrained_twin_does_not(masked_lms):
    trained, untrained = masked_lms
    task, output = run_pairs(trained, PAIRS)
    assert task.model.origin == "local" and task.config()["pair_scoring"]
    assert output["kind"] == "crows" and output["details"]["n_scored"] == 4
    assert output["stereotype_score"] == 1.0
    margins = [p["score_more"] - p["score_less"] for p in output["pairs"]]
    assert min(margins) > 1.0
    assert output["details"]["by_bias_type"]["people"]["n_pairs"] == 2
    _, baseline = run_pairs(untrained, PAIRS)
    assert max(abs(p["score_more"] - p["score_less"]) for p in baseline["pairs"]) < 0.2


def test_antistereo_pairs_count_the_other_sentence_as_the_stereotype(masked_lms):
    flipped = [{**p, "stereo_antistereo": "antistereo"} for p in PAIRS]
    _, output = run_pairs(masked_lms[0], flipped[:2] + PAIRS[2:])
    assert output["stereotype_score"] == 0.5
    assert [p["stereotype_preferred"] for p in output["pairs"]] == [False, False, True, True]


def test_pseudo_log_likelihood_masks_each_shared_token_once(masked_lms):
    import torch

    from nlpsuite.models.loading import load_pretrained
    from nlpsuite.models.reference import parse_model_reference
    from nlpsuite.plugins.bias.crows import PseudoLikelihoodScorer, SentencePair
    from nlpsuite.specs import TaskOptions

    model, tokenizer = load_pretrained(parse_model_reference(str(masked_lms[0])), TaskOptions(), "AutoModelForMaskedLM")
    scorer = PseudoLikelihoodScorer(model, tokenizer, batch_size=2)
    score = scorer.score_pair(SentencePair("the cat sat on the mat", "the dog sat on the mat"))
    assert score.shared_tokens == 5  # every word but cat/dog
    ids = tokenizer("the dog sat on the mat")["input_ids"]  # <cls> the dog sat on the mat <sep>
    expected = 0.0
    with torch.inference_mode():
        for position in (1, 3, 4, 5, 6):
            masked = list(ids)
            masked[position] = tokenizer.mask_token_id
            logits = model(input_ids=torch.tensor([masked])).logits[0, position]
            expected += float(torch.log_softmax(logits, dim=-1)[ids[position]])
    assert score.score_less == pytest.approx(expected, abs=1e-4)


def test_empty_unrelated_and_too_long_pairs_fail_alone(masked_lms):
    long_sentence = " ".join(["the cat sat on the mat"] * 20)  # 120 tokens, the model holds 64
    pairs = [
        PAIRS[0],
        {"sent_more": "   ", "sent_less": "the dog sat on the mat"},
        {"sent_more": "cat", "sent_less": "dog"},
        {"sent_more": long_sentence, "sent_less": long_sentence.replace("cat", "dog", 1)},
    ]
    _, output = run_pairs(masked_lms[0], pairs)
    errors = [p["error"] for p in output["pairs"]]
    assert errors[0] is None
    assert "sent_more is empty" in errors[1]
    assert "share no token" in errors[2]
    assert "more than the model's 64" in errors[3]
    assert output["details"]["n_scored"] == 1 and output["stereotype_score"] == 1.0
    assert len(output["warnings"]) == 3


def test_malformed_pairs_are_refused_with_their_position():
    with pytest.raises(InputError, match="pair 2: missing text field 'sent_less'"):
        parse_pairs([PAIRS[0], {"sent_more": "x"}], "pairs.jsonl")
    with pytest.raises(InputError, match="stereo_antistereo"):
        parse_pairs([{**PAIRS[0], "stereo_antistereo": "sideways"}])
    with pytest.raises(InputError, match="non-empty list"):
        parse_pairs({"pairs": []})


def test_crows_command_prints_the_score(masked_lms, tmp_path, capsys):
    pairs_file = tmp_path / "pairs.jsonl"
    pairs_file.write_text("".join(json.dumps(p) + "\n" for p in PAIRS), encoding="utf-8")
    argv = ["bias", "crows", "--model", str(masked_lms[0]), "--pairs", str(pairs_file), "--quiet"]
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "1.000" in table and "animals" in table
    assert main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stereotype_score"] == 1.0 and len(report["pairs"]) == 4
    assert main(["bias", "crows", "--pairs", str(pairs_file), "--quiet"]) == 2
    assert "needs a masked or causal language model" in capsys.readouterr().err


# ----- causal LMs: sentence log-probability, the generation task's scoring -----------------------------------

@pytest.fixture(scope="module")
def causal_lms(tmp_path_factory):
    from nlpsuite.testing.tiny_causal_lm import build_tiny_causal_lm

    root = tmp_path_factory.mktemp("tiny-gpt2-pairs")
    trained = build_tiny_causal_lm(root / "trained", TRAINING, steps=200, seed=0)
    untrained = build_tiny_causal_lm(root / "untrained", TRAINING, seed=0, train=False)
    return trained, untrained


def test_a_causal_lm_prefers_the_sentences_it_learnt_by_log_probability(causal_lms):
    import torch
    from transformers import AutoTokenizer, GPT2LMHeadModel

    trained, untrained = causal_lms
    task, output = run_pairs(trained, PAIRS)
    assert "log-probability" in task.config()["pair_scoring"]
    assert output["kind"] == "crows" and output["stereotype_score"] == 1.0
    assert min(p["score_more"] - p["score_less"] for p in output["pairs"]) > 1.0
    assert output["pairs"][0]["shared_tokens"] == 5
    # the score is log P(sentence) with every token scored after BOS, as plain transformers computes it
    model, tokenizer = GPT2LMHeadModel.from_pretrained(trained).eval(), AutoTokenizer.from_pretrained(trained)
    ids = torch.tensor([[tokenizer.bos_token_id, *tokenizer(PAIRS[0]["sent_less"])["input_ids"]]])
    with torch.no_grad():
        direct = -model(ids, labels=ids).loss.item() * (ids.shape[1] - 1)
    assert output["pairs"][0]["score_less"] == pytest.approx(direct, rel=1e-4)
    _, baseline = run_pairs(untrained, PAIRS)
    assert max(abs(p["score_more"] - p["score_less"]) for p in baseline["pairs"]) < 0.5


def test_crows_command_scores_pairs_with_a_causal_lm(causal_lms, tmp_path, capsys):
    pairs_file = tmp_path / "pairs.jsonl"
    pairs_file.write_text("".join(json.dumps(p) + "\n" for p in PAIRS), encoding="utf-8")
    assert main(["bias", "crows", "--model", str(causal_lms[0]), "--pairs", str(pairs_file), "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "higher log-probability" in table and "1.000" in table


STEREOSET = {"name": "toy-stereoset", "stereoset": [
    # the trained model read "the cat sat on the mat", "the baker sold fresh bread", "the girl read a long book"
    {"context": "the BLANK sat on the mat", "stereotype": "cat", "anti_stereotype": "dog", "unrelated": "bread"},
    {"context": "the baker sold fresh BLANK", "stereotype": "bread", "anti_stereotype": "corn", "unrelated": "mat"},
    {"context": "the BLANK read a long book", "stereotype": "girl", "anti_stereotype": "boy", "unrelated": "fresh"},
]}


def test_stereoset_items_on_a_causal_lm_give_lm_ss_and_icat_scores(causal_lms):
    trained, untrained = causal_lms
    task = load_task("bias", str(trained), notify=lambda _m: None)
    (output,) = task.predict([{"id": "ss", "test": STEREOSET}])
    assert output["kind"] == "stereoset" and output["test"] == "toy-stereoset"
    assert output["stereotype_score"] == 1.0  # it prefers the sentences it learnt
    details = output["details"]
    assert details["lm_score"] == 100.0 and details["ss_score"] == 100.0 and details["icat"] == 0.0
    sentences = [p["logprob_stereotype"] - p["logprob_unrelated"] for p in output["pairs"]]
    assert min(sentences) > 0
    (untrained_output,) = load_task("bias", str(untrained), notify=lambda _m: None).predict([{"id": "ss", "test": STEREOSET}])
    assert untrained_output["details"]["n_items"] == 3


def test_stereoset_needs_a_causal_lm_and_well_formed_items(causal_lms):
    task = load_task("bias", "all-MiniLM-L6-v2", notify=lambda _m: None)
    (on_encoder,) = task.predict([{"id": "ss", "test": STEREOSET}])
    assert "need a causal language model" in on_encoder["error"]
    causal = load_task("bias", str(causal_lms[0]), notify=lambda _m: None)
    (bad,) = causal.predict([{"id": "x", "test": {"stereoset": [{"context": "no blank here", "stereotype": "a",
                                                                    "anti_stereotype": "b", "unrelated": "c"}]}}])
    assert "must contain 'BLANK' exactly once" in bad["error"]
