"""Time the harness's predict stage against the plain library call, on the same model and data.

    .venv/bin/python benchmarks/harness_speed.py                 # both benchmarks
    .venv/bin/python benchmarks/harness_speed.py --only sentiment
    .venv/bin/python benchmarks/harness_speed.py --only seq2seq                  # copy-trained Marian
    .venv/bin/python benchmarks/harness_speed.py --only seq2seq --seq2seq-model random --new-tokens 16

1. sentiment: ``nlpsuite`` sentiment on the embedded MiniLM (offline fallback) over
   ``../shared/data/sst2/sst2_dev.tsv``, against a plain ``SentenceTransformer.encode``
   over the same sentences with the same batch size.  Target: harness within 1.15x.
2. seq2seq: the translation task over the 1,000 English sentences of
   ``../shared/data/multi30k/test2016.en``, against the plain transformers loop over
   the same inputs in file order, 32 per batch: tokenize with padding,
   ``generate``, decode.  transformers 5 removed the
   ``translation``/``text2text-generation`` pipelines; this loop is what
   ``pipeline("translation", batch_size=32)`` ran (input order, pad to the
   longest in each batch).  Both sides use the same model and the same greedy
   generation settings.  The model (no hub here) is built by the script:

   * ``copy`` (default): a Marian (3+3 layers, d_model 256, word-level vocabulary
     from the data) trained for a few minutes to copy its input, so like a real
     translation model each output is about as long as its input and ends at
     the model's own end token.  A batch decodes until its longest output ends,
     which is where length-sorted batches save most.
   * ``random``: an untrained 6+6-layer d_model 512 Marian forced to exactly
     ``--new-tokens`` output tokens (``min_new_tokens == max_new_tokens``): the
     decoder work is identical on both sides and only input padding differs.

   Target: nlpsuite at least 1.3x faster.

The harness side is ``nlpsuite.evaluation.runner.predict_with_cache`` with an
empty prediction cache in a temporary directory: the predict stage of
``nlpsuite eval`` including its per-batch commits.  Each measurement is
repeated (alternating which side goes first); the fastest run is compared and the
median printed beside it.
Data under ../shared/data is read in place and never copied; a benchmark whose
data is absent is skipped.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SST2 = DATA / "sst2" / "sst2_dev.tsv"
MULTI30K_EN = DATA / "multi30k" / "test2016.en"
MULTI30K_DE = DATA / "multi30k" / "test2016.de"


def timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def compare(label: str, harness: Callable[[], object], plain: Callable[[], object], repeats: int, n: int) -> tuple[float, float]:
    """Fastest seconds of each side over ``repeats`` alternating runs (printed with the medians).

    The minimum is the figure compared: on a shared machine the slower runs
    measure the neighbours' load, not the code.
    """
    harness_s, plain_s = [], []
    for repeat in range(repeats):
        order = [(harness_s, harness), (plain_s, plain)]
        for bucket, run in order if repeat % 2 == 0 else reversed(order):
            bucket.append(timed(run))
    print(f"  {label}: n={n}, repeats={repeats}, figures are the fastest run (median in brackets)")
    for name, runs in (("nlpsuite harness predict stage", harness_s), ("plain library call", plain_s)):
        best, median = min(runs), statistics.median(runs)
        print(f"    {name:31s} {best:8.2f} s ({median:.2f})  {n / best:8.1f} samples/s  "
              f"runs {', '.join(f'{t:.2f}' for t in runs)}")
    print(f"    median ratio harness / plain: {statistics.median(harness_s) / statistics.median(plain_s):.3f}")
    return min(harness_s), min(plain_s)


def harness_predictor(loaded, samples: list[dict]) -> Callable[[], object]:
    """The predict stage of ``nlpsuite eval``, each call with a fresh, empty prediction cache."""
    from nlpsuite.evaluation.dataset import EvalDataset
    from nlpsuite.evaluation.prediction_cache import PredictionCache
    from nlpsuite.evaluation.runner import predict_with_cache

    dataset = EvalDataset(name="bench", source="bench", version=None, samples=samples)

    def run() -> object:
        with tempfile.TemporaryDirectory() as tmp, PredictionCache(Path(tmp) / "predictions.sqlite3") as cache:
            outputs, _stats = predict_with_cache(loaded, dataset, cache=cache, key="bench")
        failed = [o for o in outputs if "error" in o]
        if failed:
            raise RuntimeError(f"{len(failed)} samples failed, e.g. {failed[0]['error']}")
        return outputs

    return run


def bench_sentiment(args: argparse.Namespace) -> float | None:
    print("sentiment (embedded MiniLM) vs SentenceTransformer.encode")
    if not SST2.is_file():
        print(f"  skipped: {SST2} is absent")
        return None
    from nlpsuite.errors import NlpsuiteError
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    with SST2.open(encoding="utf-8", newline="") as handle:
        sentences = [row["sentence"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    try:
        loaded = load_task("sentiment", None, TaskOptions(offline=True, device=args.device, quiet=True,
                                                          batch_size=args.batch_size), notify=lambda _m: None)
    except NlpsuiteError as exc:
        print(f"  skipped: the sentiment task cannot load ({exc.message})")
        return None
    if not loaded.model.fallback and loaded.request.model_kind != "sentence-transformer":
        print(f"  skipped: the sentiment task did not use the embedded model ({loaded.model.name})")
        return None
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(loaded.request.source, device=loaded.options.device)
    batch_size = loaded.batch_size
    samples = [{"id": str(i), "input": {"text": s}, "references": None} for i, s in enumerate(sentences)]
    harness = harness_predictor(loaded, samples)
    plain = lambda: encoder.encode(sentences, batch_size=batch_size)
    harness(), plain()  # warm-up: first-call allocations, lazy imports
    print(f"  model {loaded.model.name}, device {loaded.options.device}, batch size {batch_size}")
    h, p = compare("sst2 dev", harness, plain, args.repeats, len(sentences))
    ratio = h / p
    print(f"    ratio harness / plain: {ratio:.3f}x  (target <= 1.15x: {'met' if ratio <= 1.15 else 'NOT met'})")
    return ratio


def marian_config(tokenizer, *, layers: int, d_model: int, heads: int) -> object:
    from transformers import MarianConfig

    return MarianConfig(
        vocab_size=len(tokenizer), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=4 * d_model, decoder_ffn_dim=4 * d_model,
        max_position_embeddings=512, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id, forced_eos_token_id=None,
        dropout=0.0, attention_dropout=0.0, activation_dropout=0.0, scale_embedding=True,
    )


def build_marian(directory: Path, texts: list[str], *, layers: int, d_model: int, copy_steps: int = 0) -> Path:
    """A Marian with a word-level tokenizer over ``texts``, random or trained ``copy_steps`` steps to copy ``texts``.

    Copying makes every output as long as its input, as translation roughly
    does, so the model stops at its own end-of-sentence token; a random model
    never does and needs ``min_new_tokens``.
    """
    import random

    import torch
    from transformers import MarianMTModel

    from nlpsuite.testing.tiny_tokenizer import build_word_tokenizer
    from nlpsuite.testing.tiny_training import save_model

    tokenizer = build_word_tokenizer(texts)
    tokenizer.model_max_length = 512
    torch.manual_seed(0)
    model = MarianMTModel(marian_config(tokenizer, layers=layers, d_model=d_model, heads=max(1, d_model // 64)))
    model.generation_config.decoder_start_token_id = tokenizer.pad_token_id
    if copy_steps:
        began = time.perf_counter()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        warmup = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 100))
        rng = random.Random(0)
        model.train()
        for _ in range(copy_steps):
            batch = tokenizer(rng.sample(texts, 32), padding=True, return_tensors="pt")
            labels = batch["input_ids"].masked_fill(batch["input_ids"] == tokenizer.pad_token_id, -100)
            loss = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            warmup.step()
        print(f"  trained to copy: {copy_steps} steps of 32 sentences in {time.perf_counter() - began:.0f} s, "
              f"last batch loss {loss.item():.3f}")
    return save_model(directory, model, tokenizer)


def bench_seq2seq(args: argparse.Namespace) -> float | None:
    print(f"seq2seq (translation task, {args.seq2seq_model} Marian) vs the plain transformers generate loop")
    if not (MULTI30K_EN.is_file() and MULTI30K_DE.is_file()):
        print(f"  skipped: {MULTI30K_EN.parent} is absent")
        return None
    import torch
    import transformers

    from nlpsuite.errors import NlpsuiteError
    from nlpsuite.registry import find_dataset  # noqa: F401 - registry import keeps plugin loading out of the timing
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    sources = MULTI30K_EN.read_text(encoding="utf-8").splitlines()
    targets = MULTI30K_DE.read_text(encoding="utf-8").splitlines()
    inputs = sources[: args.seq2seq_n]
    copy = args.seq2seq_model == "copy"
    layers = args.layers or (3 if copy else 6)
    d_model = args.d_model or (256 if copy else 512)
    generation = {"num_beams": 1, "do_sample": False, "early_stopping": False, "max_new_tokens": args.new_tokens}
    if not copy:
        generation["min_new_tokens"] = args.new_tokens
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_marian(Path(tmp) / "marian", sources if copy else sources + targets, layers=layers,
                                 d_model=d_model, copy_steps=args.copy_steps if copy else 0)
        try:
            loaded = load_task("translation", str(model_dir), TaskOptions(
                offline=True, device=args.device, quiet=True, batch_size=32, generation=generation,
                task_args={"src_lang": "en", "tgt_lang": "de"}), notify=lambda _m: None)
        except NlpsuiteError as exc:
            print(f"  skipped: the translation task cannot load the model ({exc.message})")
            return None
        source_field = loaded.spec.text_fields[0]
        samples = [{"id": str(i), "input": {source_field: s, "src_lang": "en", "tgt_lang": "de"}, "references": None}
                   for i, s in enumerate(inputs)]
        harness = harness_predictor(loaded, samples)

        device = loaded.options.device
        model = transformers.AutoModelForSeq2SeqLM.from_pretrained(model_dir).to(device).eval()
        tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)

        def plain() -> list[str]:
            outputs: list[str] = []
            with torch.inference_mode():
                for start in range(0, len(inputs), 32):
                    batch = tokenizer(inputs[start : start + 32], return_tensors="pt", padding=True, truncation=True).to(device)
                    generated = model.generate(**batch, **generation)
                    outputs.extend(tokenizer.batch_decode(generated, skip_special_tokens=True))
            return outputs

        warm = samples[:32]
        harness_predictor(loaded, warm)(), plain()  # warm-up
        params = sum(p.numel() for p in model.parameters()) / 1e6
        print(f"  model: {'copy-trained' if copy else 'random'} Marian {layers}+{layers} layers, d_model {d_model}, "
              f"{params:.0f}M parameters, "
              f"vocabulary {len(tokenizer)}, device {device}; generation {generation}")
        print(f"  nlpsuite effective task config: {loaded.config()}")
        plain_outputs = plain()
        same = sum(a.get("translation") == b for a, b in zip(harness(), plain_outputs))
        print(f"  identical outputs: {same} of {len(inputs)}")
        if copy:
            from nlpsuite.testing.tiny_tokenizer import words

            copied = sum(words(out) == words(src) for out, src in zip(plain_outputs, inputs))
            print(f"  outputs that copy their input exactly (so they end where the input does): {copied} of {len(inputs)}")
        h, p = compare("multi30k test2016.en", harness, plain, args.repeats, len(inputs))
    speedup = p / h
    print(f"    speed-up nlpsuite over plain: {speedup:.2f}x  (target >= 1.3x: {'met' if speedup >= 1.3 else 'NOT met'})")
    return speedup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("sentiment", "seq2seq"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=None, help="sentiment batch size (default: the task's)")
    parser.add_argument("--seq2seq-model", choices=("copy", "random"), default="copy",
                        help="copy: trained to copy, stops at its own end token (default); "
                             "random: untrained, every output exactly --new-tokens long")
    parser.add_argument("--seq2seq-n", type=int, default=1000, help="multi30k sentences to translate (of 1000)")
    parser.add_argument("--new-tokens", type=int, default=64,
                        help="max_new_tokens (and min_new_tokens for the random model)")
    parser.add_argument("--copy-steps", type=int, default=500, help="training steps of the copy model")
    parser.add_argument("--layers", type=int, default=None, help="encoder and decoder layers (copy 3, random 6)")
    parser.add_argument("--d-model", type=int, default=None, help="model width (copy 256, random 512)")
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, python {sys.version.split()[0]}")
    if args.only in (None, "sentiment"):
        bench_sentiment(args)
    if args.only in (None, "seq2seq"):
        bench_seq2seq(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
