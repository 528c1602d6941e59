"""Perplexity of a tiny GPT-2 on the multi30k English side, and the scoring path's speed against a plain loop.

    .venv/bin/python benchmarks/generation_scoring.py
    .venv/bin/python benchmarks/generation_scoring.py --epochs 40 --threads 2
    .venv/bin/python benchmarks/generation_scoring.py --model DIR   # any local causal LM, no training

1. perplexity: no hub here, so the script builds a tiny GPT-2
   (:mod:`nlpsuite.testing.tiny_causal_lm`: 2 layers, 48 dimensions, word-level
   vocabulary of all 1,000 sentences, 64-token context) and trains it on the
   first half of ``../shared/data/multi30k/test2016.en`` (AdamW, batches of 50,
   ``--epochs``).  It then runs ``nlpsuite eval --task generation`` (the harness,
   prediction cache off) on a temporary JSONL of each half and prints corpus
   perplexity with its bootstrap CI over sentences, and bits per byte: the
   trained-on half shows memorisation, the held-out half generalisation.
   ``--model DIR`` skips the training and scores all 1,000 sentences with DIR.
2. throughput: the task's ``score`` (length-sorted batches of windows, one
   forward pass per batch) against the plain transformers loop of the
   perplexity guide, one sentence at a time: ``model(ids, labels=ids)`` with the
   same BOS-prefixed ids, on the same model and all 1,000 sentences.  Both sums
   of NLL are compared (they must agree to 1e-4), and the time of each side is
   the fastest of ``--repeats`` runs (alternating which goes first).

The data is read in place (the temporary JSONL lives in a temporary directory)
and never copied into the project; without ``../shared/data`` the script says
so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
MULTI30K_EN = DATA / "multi30k" / "test2016.en"


def read_sentences(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_model(directory: Path, train: list[str], vocabulary_texts: list[str], epochs: int) -> Path:
    """The tiny GPT-2, untrained, then ``epochs`` passes of AdamW over ``<s> sentence </s>`` in batches of 50.

    (``build_tiny_causal_lm``'s full-batch training is meant for a few sentences; here mini-batches keep it short.)
    """
    import torch

    from nlpsuite.testing.tiny_causal_lm import build_tiny_causal_lm
    from nlpsuite.testing.tiny_tokenizer import words
    from nlpsuite.testing.tiny_training import save_model
    from transformers import AutoTokenizer, GPT2LMHeadModel

    extra = sorted({w for text in vocabulary_texts for w in words(text)})
    began = time.perf_counter()
    build_tiny_causal_lm(directory, train, train=False, context=64, extra_words=extra)
    model, tokenizer = GPT2LMHeadModel.from_pretrained(directory), AutoTokenizer.from_pretrained(directory)
    rows = [[tokenizer.bos_token_id, *tokenizer(t)["input_ids"], tokenizer.eos_token_id][:64] for t in train]
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(rows), generator=generator).split(50):
            chosen = [rows[i] for i in batch.tolist()]
            width = max(len(r) for r in chosen)
            ids = torch.full((len(chosen), width), tokenizer.pad_token_id)
            mask = torch.zeros_like(ids)
            for i, row in enumerate(chosen):
                ids[i, : len(row)], mask[i, : len(row)] = torch.tensor(row), 1
            optimizer.zero_grad()
            model(input_ids=ids, attention_mask=mask, labels=ids.masked_fill(mask == 0, -100)).loss.backward()
            optimizer.step()
    save_model(directory, model, tokenizer)
    print(f"trained a tiny GPT-2 (V={len(tokenizer)}) on {len(train)} sentences for {epochs} epochs: "
          f"{time.perf_counter() - began:.1f}s", flush=True)
    return directory


def eval_perplexity(model: Path, texts: list[str], name: str, workdir: Path) -> dict:
    from nlpsuite.evaluation.runner import EvalRequest, run_eval
    from nlpsuite.specs import TaskOptions

    data = workdir / f"{name}.jsonl"
    data.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    outcome = run_eval(
        EvalRequest(task="generation", model=str(model), dataset=str(data), options=TaskOptions(quiet=True),
                    output_dir=workdir / f"run-{name}", use_cache=False),
        notify=lambda _m: None,
    )
    metrics = outcome.results["metrics"]
    ppl, bpb = metrics["perplexity"], metrics["bits_per_byte"]
    print(f"{name:>10}: n={len(texts)}  perplexity {ppl['value']:.2f} "
          f"[{ppl['ci']['low']:.2f}, {ppl['ci']['high']:.2f}]  bits/byte {bpb['value']:.3f} "
          f"[{bpb['ci']['low']:.3f}, {bpb['ci']['high']:.3f}]  tokens {ppl['details']['n_tokens']}", flush=True)
    return outcome.results


def plain_loop(model, tokenizer, texts: list[str]) -> tuple[float, int]:
    """The transformers perplexity guide's loop, one text per forward pass (BOS-prefixed like nlpsuite)."""
    import torch

    nll, count = 0.0, 0
    with torch.inference_mode():
        for text in texts:
            ids = torch.tensor([[tokenizer.bos_token_id, *tokenizer(text, add_special_tokens=False)["input_ids"]]])
            n = ids.shape[1] - 1
            nll += model(ids, labels=ids).loss.item() * n
            count += n
    return nll, count


def throughput(model_dir: Path, texts: list[str], repeats: int) -> None:
    from nlpsuite.runtime import load_task

    task = load_task("generation", str(model_dir), notify=lambda _m: None)
    model, tokenizer = task.predictor.model, task.predictor.tokenizer
    best = {"nlpsuite": math.inf, "plain": math.inf}
    totals = {}
    for repeat in range(repeats):
        order = ["nlpsuite", "plain"] if repeat % 2 == 0 else ["plain", "nlpsuite"]
        for side in order:
            began = time.perf_counter()
            if side == "nlpsuite":
                scores = task.score(texts)
                totals[side] = (sum(s.nll for s in scores), sum(s.n_tokens for s in scores))
            else:
                totals[side] = plain_loop(model, tokenizer, texts)
            best[side] = min(best[side], time.perf_counter() - began)
    (nll_ours, n_ours), (nll_plain, n_plain) = totals["nlpsuite"], totals["plain"]
    assert n_ours == n_plain, (n_ours, n_plain)
    agreement = abs(nll_ours - nll_plain) / abs(nll_plain)
    print(f"throughput over {len(texts)} texts ({n_ours} scored tokens), fastest of {repeats}:")
    for side in ("nlpsuite", "plain"):
        print(f"  {side:>9}: {best[side]:.2f}s  {len(texts) / best[side]:.0f} texts/s  {n_ours / best[side]:.0f} tokens/s")
    print(f"  ratio nlpsuite/plain speed: {best['plain'] / best['nlpsuite']:.2f}x   "
          f"summed NLL relative difference {agreement:.1e}")
    assert agreement < 1e-4


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a local causal LM directory to use instead of training the tiny GPT-2")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs of the tiny GPT-2 (default 20)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the CPU here is shared)")
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats per side (default 3)")
    args = parser.parse_args(argv)
    if not MULTI30K_EN.is_file():
        print(f"skipped: {MULTI30K_EN} is absent (development data, not shipped)")
        return 0
    import torch

    torch.set_num_threads(args.threads)
    sentences = read_sentences(MULTI30K_EN)
    half = len(sentences) // 2
    with tempfile.TemporaryDirectory(prefix="nlpsuite-bench-") as tmp:
        work = Path(tmp)
        os.environ["NLPSUITE_CACHE_DIR"] = str(work / "cache")
        if args.model:
            model = Path(args.model)
            eval_perplexity(model, sentences, "all", work)
        else:
            model = build_model(work / "tiny-gpt2", sentences[:half], sentences, args.epochs)
            eval_perplexity(model, sentences[:half], "trained-on", work)
            eval_perplexity(model, sentences[half:], "held-out", work)
        throughput(model, sentences, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
