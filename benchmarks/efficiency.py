"""CPU efficiency figures of nlpsuite, each a ratio measured in one run on this machine (issue 14).

    .venv/bin/python benchmarks/efficiency.py                       # everything
    .venv/bin/python benchmarks/efficiency.py --only throughput,int8
    .venv/bin/python benchmarks/efficiency.py --only cold,help,memory --repeats 3
    .venv/bin/python benchmarks/efficiency.py --only seq2seq --repeats 3

Sections (each prints its figures and the target it is held to):

* ``throughput``: SST-2 dev sentences (``../shared/data/sst2``) through the sentiment
  task's predict stage (the harness, empty prediction cache) on the default runtime
  (``auto``: what it picked is printed) and on ``--runtime torch``, against bare
  ``SentenceTransformer.encode`` of the same sentences, and against a plain torch
  loop over token-sorted batches (the ceiling); achieved FLOP/s (2 × non-embedding
  parameters × real, unpadded tokens / seconds) against the fp32 2048² matmul peak
  measured in the same run;
* ``int8``: ``--runtime onnx`` float32 and ``--runtime onnx --quantize int8`` against
  the fp32 paths: speed on SST-2, and the accuracy change on SST-2 dev (sentiment)
  and AG News (``../shared/data/ag_news``, zero-shot classification);
* ``seq2seq``: English sentences of multi30k test2016 (``../shared/data/multi30k``; 256 by
  default) through the translation task's predict stage on torch, ``--runtime ct2`` and
  ``--runtime ct2 --quantize int8``, against the plain transformers ``generate`` loop
  (32 per batch, greedy) and bare ``ctranslate2.Translator.translate_batch`` on the
  same model: output tokens/s and the speed-up over ``generate``, whether the float32
  greedy outputs are identical to ``generate``'s, and how far int8 moves the outputs.
  The model is built here (no hub): by default a random 6+6-layer d_model 512 Marian
  (opus-mt's shape, a smaller vocabulary) whose outputs are forced to ``--new-tokens``,
  so every side does the same decoder work and int8 is compared with the float32
  outputs (BLEU); with ``--seq2seq-model copy`` ``harness_speed.py``'s 3+3 d256 Marian
  trained to copy its input (minutes of training), whose reference is the source
  sentence, so the BLEU change of int8 is measured against a reference.  Threads:
  torch's and CTranslate2's both follow ``OMP_NUM_THREADS`` (default: every core);
* ``cold``: a fresh process's first answer of ``nlpsuite run --task sentiment --offline``
  against a bare import-load-encode script with sentence-transformers, and each other
  embedded-model task's first answer (classification, summarization, keywords, bias)
  paired with sentiment's in the same rounds;
* ``probe``: what ``--runtime auto`` costs: the probe of the embedded MiniLM in a fresh
  cache (seconds, once per machine and model), then a second process that reads the
  stored choice;
* ``help``: ``nlpsuite --help`` against ``python -c pass``;
* ``memory``: peak RSS of ``run_eval`` over 10,000 and 100,000 synthetic short
  samples with a task that costs nothing (defined here), each in its own process.

Timed sides alternate and repeat; the fastest run is compared (on a shared machine
the slower runs measure the neighbours) and medians are printed beside it, with
the load average before and after.  Data under ../shared/data is read in place
and never copied; a section whose data is absent is skipped.  The ONNX
conversions and the merged sentiment weights go to a temporary cache directory
made warm before timing (conversion is paid once, as a user pays it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nlpsuite import hookimpl

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SST2 = DATA / "sst2" / "sst2_dev.tsv"
AG_NEWS = DATA / "ag_news" / "ag_news_dev.csv"
AG_NAMES = {"1": "world", "2": "sports", "3": "business", "4": "science and technology"}
SECTIONS = ("throughput", "int8", "seq2seq", "cold", "probe", "help", "memory")
ONNX = {"runtime": "onnx"}
INT8 = {"runtime": "onnx", "quantize": "int8"}
CT2 = {"runtime": "ct2"}
CT2_INT8 = {"runtime": "ct2", "quantize": "int8"}
COLD_TEXT = "The staff were friendly and the room was spotless."


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    except OSError:
        return "unknown"


def timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def race(sides: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds of each side over ``repeats`` rounds, the order rotating each round."""
    runs: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(timed(sides[name]))
    return runs


def show(runs: dict[str, list[float]], n: int | None = None, unit: str = "samples/s") -> None:
    for name, seconds in runs.items():
        best, median = min(seconds), statistics.median(seconds)
        rate = f"  {n / best:9.1f} {unit}" if n else ""
        print(f"    {name:44s} {best:8.3f} s (median {median:.3f}){rate}")


def verdict(value: float, target: float, *, at_most: bool) -> str:
    met = value <= target if at_most else value >= target
    return f"(target {'<=' if at_most else '>='} {target:g}: {'met' if met else 'NOT met'})"


# --- shared pieces ---------------------------------------------------------------------------------


def sst2_rows() -> list[tuple[str, str]] | None:
    if not SST2.is_file():
        print(f"  skipped: {SST2} is absent")
        return None
    with SST2.open(encoding="utf-8", newline="") as handle:
        return [(row["sentence"], "positive" if row["label"] == "1" else "negative")
                for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def ag_rows() -> list[tuple[str, str]] | None:
    if not AG_NEWS.is_file():
        print(f"  skipped AG News: {AG_NEWS} is absent")
        return None
    with AG_NEWS.open(encoding="utf-8", newline="") as handle:
        return [(f"{title.strip()}. {description.strip()}", AG_NAMES[c]) for c, title, description in csv.reader(handle)]


def load(task: str, model_args: dict[str, str], task_args: dict[str, Any] | None = None):
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    model = None if task == "sentiment" else "all-MiniLM-L6-v2"
    options = TaskOptions(offline=True, quiet=True, device="cpu", model_args=model_args, task_args=task_args or {})
    return load_task(task, model, options, notify=lambda _m: None)


def harness(loaded, rows: list[tuple[str, str]]) -> tuple[Callable[[], object], list]:
    """The predict stage of ``nlpsuite eval`` (empty prediction cache each call); the last outputs in ``last[0]``."""
    from nlpsuite.evaluation.dataset import EvalDataset
    from nlpsuite.evaluation.prediction_cache import PredictionCache
    from nlpsuite.evaluation.runner import predict_with_cache

    dataset = EvalDataset(name="bench", source="bench", version=None,
                          samples=[{"id": str(i), "input": {"text": t}, "references": {"label": label}}
                                   for i, (t, label) in enumerate(rows)])
    last: list = [None]

    def run() -> object:
        with tempfile.TemporaryDirectory() as tmp, PredictionCache(Path(tmp) / "predictions.sqlite3") as cache:
            outputs, _ = predict_with_cache(loaded, dataset, cache=cache, key="bench")
        failed = [o for o in outputs if "error" in o]
        if failed:
            raise RuntimeError(f"{len(failed)} samples failed, e.g. {failed[0]['error']}")
        last[0] = outputs
        return outputs

    return run, last


def accuracy(outputs: list[dict], rows: list[tuple[str, str]]) -> float:
    return sum(o["label"] == label for o, (_, label) in zip(outputs, rows)) / len(rows)


def matmul_peak(repeats: int) -> float:
    """fp32 GFLOP/s of a 2048² matmul, the best of ``repeats`` timings of 5 products."""
    import torch

    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    best = min(timed(lambda: [a @ b for _ in range(5)]) for _ in range(max(3, repeats)))
    return 5 * 2 * 2048 ** 3 / best / 1e9


# --- sections --------------------------------------------------------------------------------------


def bench_throughput_and_int8(args: argparse.Namespace, sections: set[str]) -> None:
    import torch

    rows = sst2_rows()
    if rows is None:
        return
    from sentence_transformers import SentenceTransformer

    from nlpsuite.plugins.embedded import minilm_path

    sentences = [t for t, _ in rows]
    bare = SentenceTransformer(str(minilm_path()), device="cpu")
    bert = bare[0].auto_model
    tokenizer = bare.tokenizer
    encoded = tokenizer(sentences, truncation=True, max_length=bare.max_seq_length)["input_ids"]
    real_tokens = sum(len(ids) for ids in encoded)
    embedding_params = sum(p.numel() for n, p in bert.named_parameters() if n.startswith("embeddings."))
    params = sum(p.numel() for p in bert.parameters()) - embedding_params
    flop = 2 * params * real_tokens

    def plain_torch_loop() -> object:
        # the ceiling: transformers' BertModel over token-sorted batches, padded per batch, mean pooled
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        with torch.inference_mode():
            for start in range(0, len(order), 64):
                batch = [encoded[i] for i in order[start:start + 64]]
                width = len(batch[0])
                ids = torch.tensor([row + [0] * (width - len(row)) for row in batch])
                mask = (ids != 0).long()
                hidden = bert(input_ids=ids, attention_mask=mask).last_hidden_state
                (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
        return None

    sides: dict[str, Callable[[], object]] = {
        "bare SentenceTransformer.encode fp32": lambda: bare.encode(sentences, batch_size=64),
        "plain torch loop, token-sorted (ceiling)": plain_torch_loop,
    }
    outputs: dict[str, list] = {}
    auto_task = load("sentiment", {})
    auto_name = f"nlpsuite sentiment default (auto: {auto_task.config()['runtime']})"
    print(f"  auto chose {auto_task.config()['runtime']}: "
          f"{auto_task.predictor.encoder.runtime_selection.reason}")
    variants = {"nlpsuite sentiment fp32 (torch)": {"runtime": "torch"}, auto_name: {}}
    if "int8" in sections:
        variants.update({"nlpsuite sentiment --runtime onnx fp32": ONNX,
                         "nlpsuite sentiment --runtime onnx int8": INT8})
    for name, model_args in variants.items():
        run, last = harness(load("sentiment", model_args), rows)
        sides[name] = run
        outputs[name] = last
    for run in sides.values():  # warm-up: first-call allocations, lazy imports
        run()
    print(f"  load before: {load_average()}; torch threads {torch.get_num_threads()}")
    peak_before = matmul_peak(args.repeats)
    runs = race(sides, args.repeats)
    peak = max(peak_before, matmul_peak(args.repeats))
    print(f"  SST-2 dev: {len(sentences)} sentences, {real_tokens} real tokens, {params / 1e6:.2f} M non-embedding "
          f"parameters; fp32 2048² matmul peak {peak:.1f} GFLOP/s (best of before/after); load after: {load_average()}")
    show(runs, len(sentences))
    best = {name: min(seconds) for name, seconds in runs.items()}
    for name, seconds in best.items():
        print(f"    {name:44s} {flop / seconds / 1e9:7.1f} GFLOP/s = {flop / seconds / 1e9 / peak:5.1%} of peak")
    bare_s = best["bare SentenceTransformer.encode fp32"]
    ceiling_s = best["plain torch loop, token-sorted (ceiling)"]
    ours = best["nlpsuite sentiment fp32 (torch)"]
    print(f"    nlpsuite fp32 vs bare: {bare_s / ours:.2f}x the throughput; vs the plain torch ceiling: "
          f"{ceiling_s / ours:.2f}x")
    print(f"    nlpsuite fp32 share of peak {flop / ours / 1e9 / peak:.1%} {verdict(flop / ours / 1e9 / peak, 0.8, at_most=False)}")
    auto_s = best[auto_name]
    print(f"    default (auto) vs bare encode: {bare_s / auto_s:.2f}x {verdict(bare_s / auto_s, 1.5, at_most=False)}; "
          f"vs forced --runtime torch: {ours / auto_s:.2f}x (medians "
          f"{statistics.median(runs['nlpsuite sentiment fp32 (torch)']) / statistics.median(runs[auto_name]):.2f}x; "
          f"never slower than torch beyond noise)")
    if "int8" not in sections:
        return
    int8_s = best["nlpsuite sentiment --runtime onnx int8"]
    print(f"    int8 vs bare fp32 encode: {bare_s / int8_s:.2f}x {verdict(bare_s / int8_s, 2.0, at_most=False)}; "
          f"int8 vs nlpsuite fp32: {ours / int8_s:.2f}x; medians: "
          f"{statistics.median(runs['bare SentenceTransformer.encode fp32']) / statistics.median(runs['nlpsuite sentiment --runtime onnx int8']):.2f}x")
    base = accuracy(outputs["nlpsuite sentiment fp32 (torch)"][0], rows)
    print("  SST-2 dev accuracy (sentiment, embedded adapter):")
    for name in variants:
        acc = accuracy(outputs[name][0], rows)
        print(f"    {name:44s} {acc:.4f}  change {100 * (acc - base):+.2f} pt")
    change = 100 * (accuracy(outputs["nlpsuite sentiment --runtime onnx int8"][0], rows) - base)
    print(f"    int8 accuracy change {change:+.2f} pt {verdict(abs(change), 0.5, at_most=True)}")
    bench_ag_news(args)


def bench_ag_news(args: argparse.Namespace) -> None:
    rows = ag_rows()
    if rows is None:
        return
    task_args = {"labels": ",".join(AG_NAMES.values())}
    sides, outputs = {}, {}
    for name, model_args in (("classification fp32 (torch, SentenceTransformer)", {}),
                             ("classification --runtime onnx int8", INT8)):
        run, last = harness(load("classification", model_args, task_args), rows)
        sides[name], outputs[name] = run, last
    runs = race(sides, max(1, args.repeats // 2))
    print(f"  AG News zero-shot ({len(rows)} articles, labels {list(AG_NAMES.values())}); load after: {load_average()}")
    show(runs, len(rows))
    names = list(sides)
    base, int8 = (accuracy(outputs[n][0], rows) for n in names)
    speed = min(runs[names[0]]) / min(runs[names[1]])
    print(f"    accuracy fp32 {base:.4f}, int8 {int8:.4f}: change {100 * (int8 - base):+.2f} pt "
          f"{verdict(abs(100 * (int8 - base)), 0.5, at_most=True)}; int8 speed-up {speed:.2f}x")


def bench_seq2seq(args: argparse.Namespace) -> None:
    import ctranslate2
    import sacrebleu
    import torch
    import transformers

    from harness_speed import MULTI30K_EN, build_marian, harness_predictor
    from nlpsuite.models.ct2_conversion import ct2_model_directory, weights_sha256
    from nlpsuite.models.ct2_runtime import cpu_threads
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    if not MULTI30K_EN.is_file():
        print(f"  skipped: {MULTI30K_EN} is absent")
        return
    sources = MULTI30K_EN.read_text(encoding="utf-8").splitlines()[: args.seq2seq_n]
    copy = args.seq2seq_model == "copy"
    generation: dict[str, Any] = {"num_beams": args.num_beams, "do_sample": False, "max_new_tokens": args.new_tokens}
    if args.num_beams > 1:  # CTranslate2's beam search stops once num_beams candidates are done
        generation["early_stopping"] = True
    decoding = "greedy" if args.num_beams == 1 else f"{args.num_beams}-beam"
    if not copy:  # a random model never ends by itself: every output exactly new_tokens long, on every side
        generation["min_new_tokens"] = args.new_tokens
    layers, d_model = (3, 256) if copy else (6, 512)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_marian(Path(tmp) / "marian", sources, layers=layers, d_model=d_model,
                                 copy_steps=args.copy_steps if copy else 0)
        model = transformers.AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()
        tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)

        def plain_generate() -> list[str]:
            outputs: list[str] = []
            with torch.inference_mode():
                for start in range(0, len(sources), 32):
                    batch = tokenizer(sources[start:start + 32], return_tensors="pt", padding=True, truncation=True)
                    generated = model.generate(**batch, **generation)
                    outputs.extend(tokenizer.batch_decode(generated, skip_special_tokens=True))
            return outputs

        samples = [{"id": str(i), "input": {"source": s, "src_lang": "en", "tgt_lang": "de"}, "references": None}
                   for i, s in enumerate(sources)]
        sides: dict[str, Callable[[], object]] = {"plain transformers generate loop": plain_generate}
        variants = {"nlpsuite translation, torch": {}, "nlpsuite translation --runtime ct2": CT2,
                    "nlpsuite translation --runtime ct2 --quantize int8": CT2_INT8}
        for name, model_args in variants.items():
            began = time.perf_counter()
            loaded = load_task("translation", str(model_dir), TaskOptions(
                offline=True, quiet=True, device="cpu", batch_size=32, generation=generation, model_args=model_args,
                task_args={"src_lang": "en", "tgt_lang": "de"}), notify=lambda _m: None)
            print(f"  {name}: first load {time.perf_counter() - began:.1f} s (ct2: the one conversion included)")
            sides[name] = harness_predictor(loaded, samples)
        fp32_dir, _ = ct2_model_directory(model_dir, weights_sha256(model_dir), "none")  # converted above: cached
        bare = ctranslate2.Translator(str(fp32_dir), device="cpu", compute_type="float32", intra_threads=cpu_threads())
        source_tokens = [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(sources)["input_ids"]]

        def bare_ct2() -> list[str]:
            results = bare.translate_batch(source_tokens, beam_size=args.num_beams, max_batch_size=32, return_end_token=True,
                                           max_decoding_length=args.new_tokens,
                                           min_decoding_length=generation.get("min_new_tokens", 0))
            return [tokenizer.decode(tokenizer.convert_tokens_to_ids(r.hypotheses[0]), skip_special_tokens=True)
                    for r in results]

        sides["bare ctranslate2 translate_batch fp32 (ceiling)"] = bare_ct2
        texts: dict[str, list[str]] = {}
        for name, run in sides.items():  # warm-up, and the outputs compared below
            texts[name] = [o["translation"] if isinstance(o, dict) else o.strip() for o in run()]
        params = sum(p.numel() for p in model.parameters()) / 1e6
        print(f"  model: {'copy-trained' if copy else 'random'} Marian {layers}+{layers} layers, d_model {d_model}, "
              f"{params:.0f}M parameters, vocabulary {len(tokenizer)}; {len(sources)} sentences, {generation}")
        print(f"  torch threads {torch.get_num_threads()}, ct2 intra_threads {cpu_threads()}; load before: {load_average()}")
        runs = race(sides, args.repeats)
        print(f"  load after: {load_average()}")
    best = {name: min(seconds) for name, seconds in runs.items()}
    plain_s = best["plain transformers generate loop"]
    for name, seconds in runs.items():
        tokens = sum(len(ids) for ids in tokenizer(texts[name])["input_ids"])  # output tokens with their end token
        print(f"    {name:52s} {min(seconds):7.2f} s (median {statistics.median(seconds):.2f})  "
              f"{tokens / min(seconds):7.0f} tokens/s  {plain_s / min(seconds):5.2f}x plain generate")
    plain = texts["plain transformers generate loop"]
    for name in ("nlpsuite translation, torch", "nlpsuite translation --runtime ct2"):
        same = sum(a == b for a, b in zip(texts[name], plain))
        print(f"    {name}: {same} of {len(plain)} {decoding} fp32 outputs identical to plain generate's")
    ct2_s, int8_s = best["nlpsuite translation --runtime ct2"], best["nlpsuite translation --runtime ct2 --quantize int8"]
    print(f"    --runtime ct2 vs plain generate: fp32 {plain_s / ct2_s:.2f}x {verdict(plain_s / ct2_s, 3.0, at_most=False)}, "
          f"int8 {plain_s / int8_s:.2f}x; vs nlpsuite torch: fp32 {best['nlpsuite translation, torch'] / ct2_s:.2f}x")
    fp32, int8 = texts["nlpsuite translation --runtime ct2"], texts["nlpsuite translation --runtime ct2 --quantize int8"]
    if copy:
        lowered = [" ".join(tokenizer.decode(ids, skip_special_tokens=True).split())
                   for ids in tokenizer(sources)["input_ids"]]  # the source as the word-level vocabulary has it
        print("  BLEU against the sources (the copy model's reference; sacrebleu defaults):")
        scores = {name: sacrebleu.corpus_bleu(texts[name], [lowered]).score for name in variants}
        for name, score in scores.items():
            print(f"    {name:52s} {score:6.2f}")
        print(f"    int8 BLEU change vs fp32: {scores[list(variants)[2]] - scores[list(variants)[1]]:+.2f}")
    label = "int8 against the fp32 outputs" + ("" if copy else " (no reference: a random model)")
    print(f"  {label}: BLEU {sacrebleu.corpus_bleu(int8, [fp32]).score:.2f}, "
          f"{sum(a == b for a, b in zip(int8, fp32))} of {len(fp32)} identical")


def subprocess_seconds(command: list[str], env: dict[str, str]) -> Callable[[], object]:
    def run() -> object:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"{command[:4]} failed: {result.stderr[-500:]}")
        return result.stdout

    return run


#: Each embedded-model task's first answer from a fresh process (the command-line arguments after ``run``).
COLD_TASKS = {
    "sentiment": ["--task", "sentiment", COLD_TEXT],
    "classification": ["--task", "classification", "--arg", "labels=praise,complaint", COLD_TEXT],
    "summarization": ["--task", "summarization", COLD_TEXT + " " + COLD_TEXT.replace("staff", "manager")],
    "keywords": ["--task", "keywords", COLD_TEXT],
    "bias": ["--task", "bias", "weat6"],
}


def bench_cold(args: argparse.Namespace) -> None:
    from nlpsuite.plugins.embedded import minilm_path

    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cached bytecode is what a user's second command has
    run_cmd = [sys.executable, "-m", "nlpsuite", "run", "--offline", "-q"]
    bare = [sys.executable, "-c",
            "import sys; from sentence_transformers import SentenceTransformer; "
            f"m = SentenceTransformer({str(minilm_path())!r}, device='cpu'); "
            "print(m.encode([sys.argv[1]]).shape)", COLD_TEXT]
    sides = {"nlpsuite run --task sentiment (fresh process)": subprocess_seconds(run_cmd + COLD_TASKS["sentiment"], env),
             "bare import-load-encode script": subprocess_seconds(bare, env)}
    for task, task_args in COLD_TASKS.items():
        if task != "sentiment":
            sides[f"nlpsuite run --task {task} (fresh process)"] = subprocess_seconds(run_cmd + task_args, env)
    for run in sides.values():  # warm: merged adapter weights and auto's choices made once, files in the page cache
        run()
    print(f"  load before: {load_average()}")
    runs = race(sides, args.repeats)
    print(f"  load after: {load_average()}")
    show(runs)
    names = list(runs)
    ours, theirs = min(runs[names[0]]), min(runs[names[1]])
    ratio = ours / theirs
    print(f"    cold first answer / bare script: {ratio:.2f} (medians {statistics.median(runs[names[0]]) / statistics.median(runs[names[1]]):.2f}) "
          f"{verdict(ratio, 0.6, at_most=True)}")
    sentiment_median = statistics.median(runs[names[0]])
    for name in names[2:]:
        share = statistics.median(runs[name]) / sentiment_median
        print(f"    {name.split(' (')[0]:40s} median {statistics.median(runs[name]):.2f} s = {share:.2f}x sentiment's "
              f"{verdict(share, 1.3, at_most=True)}")


def bench_probe(args: argparse.Namespace) -> None:
    """The probe's cost in a fresh cache, and a second process reading the stored choice."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "nlpsuite", "runtimes", "--task", "keywords", "--offline", "--json", "-q"]
    with tempfile.TemporaryDirectory(prefix="nlpsuite-probe-") as fresh:
        env["NLPSUITE_CACHE_DIR"] = fresh
        reports = []
        for _ in range(2):
            began = time.perf_counter()
            out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
            if out.returncode != 0:
                raise RuntimeError(out.stderr[-500:])
            reports.append((time.perf_counter() - began, json.loads(out.stdout)["models"][0]["selection"] or {}))
    (first_s, first), (second_s, second) = reports
    figures = ", ".join(f"{m['runtime']} {m['items_per_s']:g}/s (diff {m['difference']:g})"
                        for m in first.get("measurements", []))
    print(f"    first process: probe {first.get('probe_s', 0):.2f} s (ONNX conversion included) of {first_s:.2f} s; "
          f"chose {first.get('runtime')}: {figures or first.get('reason')}")
    print(f"    second process: {second_s:.2f} s, stored choice reused: {second.get('reused')} -> {second.get('runtime')}")


def bench_help(args: argparse.Namespace) -> None:
    env = {**os.environ}
    sides = {"nlpsuite --help": subprocess_seconds([sys.executable, "-m", "nlpsuite", "--help"], env),
             "python -c pass": subprocess_seconds([sys.executable, "-c", "pass"], env)}
    for run in sides.values():
        run()
    print(f"  load before: {load_average()}")
    runs = race(sides, max(5, args.repeats))
    print(f"  load after: {load_average()}")
    show(runs)
    ours, theirs = (min(r) for r in runs.values())
    print(f"    --help / python -c pass: {ours / theirs:.2f} {verdict(ours / theirs, 3.0, at_most=True)}")


# --- memory: a task that costs nothing, over synthetic short samples --------------------------------

MEMORY_TASK = "bench-parity"


class ParityPredictor:
    batch_size = 256

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"label": "even" if len(r["text"]) % 2 == 0 else "odd"} for r in records]

    def config(self) -> dict[str, Any]:
        return {}


class ParityPlugin:
    NLPSUITE_PLUGIN_API = "1.0"

    @hookimpl
    def register_tasks(self) -> list[Any]:
        from nlpsuite import FieldSpec, TaskSpec

        return [TaskSpec(name=MEMORY_TASK, description="even or odd text length (benchmark)",
                         input_fields=[FieldSpec("text", "text", "a text")],
                         output_fields=[FieldSpec("label", "label", "even or odd")],
                         build=lambda request, options: ParityPredictor(), reference_field="label",
                         default_model=None, fallback_model=None, metrics=("accuracy",))]


def peak_rss_mb() -> float:
    """This process's peak resident set in MB: ``VmHWM`` where Linux has it, because ``ru_maxrss`` survives
    ``exec`` and so reports the parent's peak in a child started from a large benchmark process."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(n: int) -> None:
    """In a fresh process: eval ``n`` synthetic samples end to end, print the peak RSS in MB."""
    import random

    from nlpsuite.evaluation.runner import EvalRequest, run_eval
    from nlpsuite.session import Session
    from nlpsuite.testing import registered

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NLPSUITE_CACHE_DIR"] = str(Path(tmp) / "cache")
        rng = random.Random(0)
        words = ["good", "bad", "film", "plot", "acting", "slow", "fun", "long", "short", "story"]
        data = Path(tmp) / "data.jsonl"
        with data.open("w", encoding="utf-8") as handle:
            for i in range(n):
                text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
                handle.write(json.dumps({"id": f"s{i}", "text": text, "label": "even" if len(text) % 2 == 0 else "odd"}) + "\n")
        model = Path(tmp) / "model"
        model.mkdir()
        with registered(ParityPlugin(), "bench-parity"):
            began = time.perf_counter()
            run_eval(EvalRequest(task=MEMORY_TASK, model=str(model), dataset=str(data), output_dir=Path(tmp) / "run",
                                 n_bootstrap=100), session=Session(offline=True))
            seconds = time.perf_counter() - began
    print(json.dumps({"n": n, "peak_rss_mb": peak_rss_mb(),
                      "seconds": seconds}))


def bench_memory(args: argparse.Namespace) -> None:
    peaks = {}
    for n in (10_000, 100_000):
        result = subprocess.run([sys.executable, __file__, "--memory-child", str(n)], capture_output=True, text=True,
                                timeout=1800, env={**os.environ})
        if result.returncode != 0:
            print(f"  eval of {n} samples failed: {result.stderr[-800:]}")
            return
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        peaks[n] = figures["peak_rss_mb"]
        print(f"    eval of {n:7d} samples: peak RSS {figures['peak_rss_mb']:7.1f} MB, {figures['seconds']:.1f} s")
    growth = peaks[100_000] - peaks[10_000]
    print(f"    growth 10k → 100k: {growth:.1f} MB {verdict(growth, 200, at_most=True)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {', '.join(SECTIONS)}")
    parser.add_argument("--repeats", type=int, default=5, help="rounds per timed comparison (default 5)")
    parser.add_argument("--seq2seq-model", choices=("random", "copy"), default="random",
                        help="seq2seq model: random 6+6 d512, outputs forced to --new-tokens (default; speed and "
                        "identity), or harness_speed.py's 3+3 d256 trained to copy (BLEU against the sources)")
    parser.add_argument("--seq2seq-n", type=int, default=256, help="multi30k sentences for seq2seq (of 1000)")
    parser.add_argument("--new-tokens", type=int, default=32, help="seq2seq max_new_tokens (the random model: exactly)")
    parser.add_argument("--num-beams", type=int, default=1, help="seq2seq num_beams (default 1: greedy)")
    parser.add_argument("--copy-steps", type=int, default=500, help="training steps of the seq2seq copy model")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return 0
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    with tempfile.TemporaryDirectory(prefix="nlpsuite-efficiency-") as cache:
        os.environ.setdefault("NLPSUITE_CACHE_DIR", cache)
        print(f"nlpsuite efficiency, {os.cpu_count()} CPUs, load {load_average()}, cache {os.environ['NLPSUITE_CACHE_DIR']}")
        if sections & {"throughput", "int8"}:
            print("throughput: SST-2 dev, sentiment predict stage vs bare SentenceTransformer.encode")
            bench_throughput_and_int8(args, sections)
        if "seq2seq" in sections:
            print("seq2seq: multi30k test2016.en, translation task on torch / ct2 / ct2 int8 vs plain generate")
            bench_seq2seq(args)
        if "cold" in sections:
            print("cold start: first answer in a fresh process")
            bench_cold(args)
        if "probe" in sections:
            print("probe: what --runtime auto costs once per machine and model, and a second process")
            bench_probe(args)
        if "help" in sections:
            print("nlpsuite --help vs python -c pass")
            bench_help(args)
        if "memory" in sections:
            print("memory: peak RSS of an eval of synthetic short samples (a task that costs nothing)")
            bench_memory(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
