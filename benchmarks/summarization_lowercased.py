"""Dev check: the extractive summarizer on lowercased, tokenized news, against lead-3.

Widely used preprocessed news corpora are lowercased and tokenized, one article per line
(``… said monday . koirala 's group , however , …``).  Such documents are built here from
sources of our own making: nlpsuite's ``summarization-sample`` (20 documents, shipped) and,
when ``../shared/data`` is present, the XSum held-out half of ``offline_quality.py`` (80 BBC
articles, never tuned on); each document and reference is joined onto one line, its
punctuation split off as tokens (quotes as PTB's `` and ''), and lowercased.

Prints ROUGE-1/2/L F × 100 with seeded 95% bootstrap CIs (the harness's code) for the
extractive default and lead-3 (the same splitting, the same too-short-sentence skip),
the paired difference, and the share of documents in which some passage had no sentence
boundary within 60 words (cut into word windows), each with the current splitting and, for
comparison, with the cased rule alone (as before lowercased text was recognized).  The
original cased documents are scored too, so the cost of lowercasing itself is visible.

    .venv/bin/python benchmarks/summarization_lowercased.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import offline_quality as quality  # noqa: E402 - the sibling dev check's loaders and ROUGE lines

_PUNCT = re.compile(r"""([.,!?;:()\[\]]|'s\b|n't\b|'re\b|'ve\b|'ll\b|'d\b)""")


def lowercased_tokenized(text: str) -> str:
    """``text`` on one line, quotes as `` and '', punctuation and clitics split off, lowercased."""
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    text = re.sub(r'(^|\s)["“]', r"\1`` ", text)
    text = re.sub(r'["”]', " '' ", text)
    text = _PUNCT.sub(r" \1 ", text)
    return " ".join(text.split()).lower()


def sources(data: Path) -> dict[str, list[dict]]:
    from nlpsuite.registry import get_dataset

    found = {"summarization-sample (20)": [dict(r) for r in get_dataset("summarization-sample").load()]}
    halves = quality.xsum_halves(data)
    if halves is not None:
        found["XSum held-out half (80)"] = halves[1]
    return found


@contextmanager
def cased_rule_only():
    """The splitting as it was before lowercased text was recognized: every document split as cased."""
    with mock.patch("nlpsuite.plugins.summarization.extractive.split_style", lambda _text: "cased"):
        yield


def report(title: str, rows: list[dict], task) -> None:
    references = [r["summary"] for r in rows]
    outputs = task.predict([{"document": r["document"]} for r in rows])
    summaries = [o.get("summary", "") for o in outputs]
    cut = sum(any("without a sentence boundary" in w for w in o.get("warnings", [])) for o in outputs)
    splits = sorted({(o.get("details") or {}).get("sentence_split", "?") for o in outputs})
    lead3 = [quality.baseline(r["document"], 3) for r in rows]
    print(f"  {title}: {len(rows)} documents; cut into 60-word windows: {cut}; details.sentence_split: {splits}")
    print(quality.rouge_line("extractive (default)", summaries, references))
    print(quality.rouge_line("lead-3", lead3, references))
    print(quality.paired_line("extractive − lead-3 (paired)", lead3, summaries, references))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    task = quality.load("summarization", {})
    for name, rows in sources(args.data).items():
        lowered = [{**r, "document": lowercased_tokenized(r["document"]), "summary": lowercased_tokenized(r["summary"])}
                   for r in rows]
        print(f"{name}")
        report("original (cased)", rows, task)
        report("lowercased, tokenized", lowered, task)
        with cased_rule_only():
            report("lowercased, tokenized, cased rule only (before)", lowered, task)
    return 0


if __name__ == "__main__":
    sys.exit(main())
