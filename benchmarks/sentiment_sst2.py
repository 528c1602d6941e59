"""Dev check: accuracy of the embedded (offline) sentiment and zero-shot classification on public dev data.

Everything runs through ``load_task`` exactly as users run the tasks, on the
embedded all-MiniLM-L6-v2 (``--model all-MiniLM-L6-v2``), on the CPU:

* nlpsuite's own held-out reviews (``plugins/sentiment/data/sentiment-heldout.jsonl``: 498
  film-review sentences nlpsuite wrote and never trains on; the only figure used to choose
  between training settings), with the same three predictors as SST-2 below.
* SST-2 dev (872 sentences, ``../shared/data/sst2/sst2_dev.tsv``):
  - the ``sentiment`` task: all-MiniLM-L6-v2 with the shipped low-rank adapter and head
    (``plugins/sentiment/data/sentiment-adapter.safetensors``), trained only on sentences nlpsuite
    wrote (``nlpsuite.plugins.sentiment.adapter_data``: 6,008; no SST data is used for training);
  - the frozen-embedding baseline: the task's linear probe on plain MiniLM embeddings, trained on
    ``plugins/sentiment/data/sentiment-train.jsonl`` (692 sentences nlpsuite wrote), i.e. what the
    task falls back to when the adapter cannot be used;
  - the zero-shot baseline: the ``classification`` task with labels negative/positive described as
    "a negative review" / "a positive review".
* AG News (``../shared/data/ag_news/ag_news_dev.csv``, 2,000 of the test set; title and description
  joined with ". "): the ``classification`` task zero-shot with the four class descriptions
  "This is world/sports/business/science and technology news.", and with the single
  description template "This text is about {}." over the labels World, Sports, Business, Sci/Tech,
  each text on its own (``label_adaptation=off``); ``benchmarks/offline_quality.py`` measures the
  current zero-shot defaults.

The data carry research-only terms and never ship; each part is skipped (exit 0) when its file is absent.

    .venv/bin/python benchmarks/sentiment_sst2.py [--data ../shared/data] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

EMBEDDED = "all-MiniLM-L6-v2"
AG_CLASSES = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"}
AG_DESCRIPTIONS = {
    "World": "This is world news.",
    "Sports": "This is sports news.",
    "Business": "This is business news.",
    "Sci/Tech": "This is science and technology news.",
}
REVIEW_DESCRIPTIONS = {"negative": "a negative review", "positive": "a positive review"}


def accuracy(task: str, records: list[dict], references: list[str], task_args: dict) -> tuple[float, float, dict]:
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    loaded = load_task(task, EMBEDDED, TaskOptions(device="cpu", quiet=True, task_args=task_args))
    start = time.perf_counter()
    outputs = loaded.predict(records)
    seconds = time.perf_counter() - start
    correct = sum(o.get("label") == r for o, r in zip(outputs, references))
    return correct / len(references), seconds, loaded.config()


def frozen_probe_accuracy(records: list[dict], references: list[str]) -> tuple[float, float]:
    """The sentiment predictor with its adapter switched off (what the task falls back to)."""
    from nlpsuite.models.reference import parse_model_reference
    from nlpsuite.plugins.sentiment.embedded import EmbeddedSentiment
    from nlpsuite.specs import TaskOptions

    predictor = EmbeddedSentiment(parse_model_reference(EMBEDDED), TaskOptions(device="cpu", quiet=True), use_adapter=False)
    start = time.perf_counter()
    outputs = predictor.predict(records)
    seconds = time.perf_counter() - start
    return sum(o["label"] == r for o, r in zip(outputs, references)) / len(references), seconds


def sentiment_accuracies(records: list[dict], gold: list[str]) -> None:
    """The sentiment task and its two baselines on the same sentences."""
    acc, seconds, config = accuracy("sentiment", records, gold, {})
    print(f"  sentiment task, embedded ({config.get('method')}; {config.get('weights')}): "
          f"accuracy {acc:.4f}  [{seconds:.1f} s]")
    acc, seconds = frozen_probe_accuracy(records, gold)
    print(f"  frozen-embedding baseline (linear probe on plain MiniLM embeddings): accuracy {acc:.4f}  [{seconds:.1f} s]")
    zero = [{**r, "labels": ["negative", "positive"]} for r in records]
    # label_adaptation off: this baseline classifies each sentence on its own, as it always has.
    acc, seconds, _ = accuracy("classification", zero, gold, {"label_descriptions": REVIEW_DESCRIPTIONS,
                                                              "label_adaptation": "off"})
    print(f"  zero-shot baseline ('a negative review' / 'a positive review'): accuracy {acc:.4f}  [{seconds:.1f} s]")


def heldout(limit: int | None) -> None:
    from nlpsuite.labelled_examples import read_examples
    from nlpsuite.plugins.sentiment.adapter_data import HELDOUT_FILE, data_path

    path = data_path(HELDOUT_FILE)
    examples = read_examples(path)[:limit]
    gold = [e.label for e in examples]
    print(f"nlpsuite held-out reviews: {len(examples)} sentences ({gold.count('positive')} positive) from {path}")
    sentiment_accuracies([{"text": e.text} for e in examples], gold)


def sst2(path: Path, limit: int | None) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))[:limit]
    gold = ["positive" if r["label"] == "1" else "negative" for r in rows]
    print(f"SST-2 dev: {len(rows)} sentences ({gold.count('positive')} positive) from {path}")
    sentiment_accuracies([{"text": r["sentence"]} for r in rows], gold)


def ag_news(path: Path, limit: int | None) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[:limit]
    labels = list(AG_CLASSES.values())
    records = [{"text": f"{title.strip()}. {description.strip()}", "labels": labels} for _, title, description in rows]
    gold = [AG_CLASSES[c] for c, _, _ in rows]
    print(f"AG News: {len(rows)} articles from {path}")
    acc, seconds, _ = accuracy("classification", records, gold, {"label_descriptions": AG_DESCRIPTIONS,
                                                                 "label_adaptation": "off"})
    print(f"  zero-shot, 'This is world/sports/business/science and technology news.': accuracy {acc:.4f}  [{seconds:.1f} s]")
    acc, seconds, _ = accuracy("classification", records, gold, {"description_template": "This text is about {}.",
                                                                 "label_adaptation": "off"})
    print(f"  zero-shot, single template 'This text is about {{}}.': accuracy {acc:.4f}  [{seconds:.1f} s]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N rows of each file")
    parser.add_argument("--only", choices=("heldout", "sst2", "ag_news"), default=None, help="run one of the parts")
    args = parser.parse_args()
    ran = False
    if args.only in (None, "heldout"):
        heldout(args.limit)
        ran = True
    parts = (("SST-2", "sst2", "sst2/sst2_dev.tsv", sst2), ("AG News", "ag_news", "ag_news/ag_news_dev.csv", ag_news))
    for name, key, relative, run in parts:
        if args.only not in (None, key):
            continue
        path = args.data / relative
        if not path.is_file():
            print(f"skipped {name}: {path} is absent (the dev data is not shipped)")
            continue
        run(path, args.limit)
        ran = True
    if not ran:
        print("nothing to measure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
