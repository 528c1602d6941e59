"""Dev check: where an extractive summarizer could still gain on XSum, and whether tuning its arguments transfers.

Run on the XSum **tune half** only (the first 80 of ``../shared/data/xsum`` ordered by sha256 of the id,
as ``benchmarks/offline_quality.py`` splits it); the held-out half is never read here.  Prints, in one run:

* **ceilings**: ROUGE-1/2/L (the harness's metric) of the best single sentence per article and of the
  best set of at most two sentences (chosen by ROUGE-1 against the reference: an oracle), and of the
  sentence the encoder finds most similar to the reference itself (the ceiling of any method that ranks
  sentences by this encoder's similarity to a summary vector), next to the default summarizer and
  lead-1; and how close the document centroid the summarizer uses comes to the reference's embedding;
* **the oracle sentence's profile**: its rank among the eligible sentences, its length and how often it
  opens with a quotation mark, against all eligible sentences;
* **which sentence features track ROUGE-1**: the mean within-article Spearman correlation between each
  sentence's ROUGE-1 and its centroid relevance (the summarizer's, without position prior), earliness,
  length, not opening with a quote, and mean within-article frequency of its words of four or more
  letters (SumBasic-style); and the ROUGE-1 of picking the top sentence by each feature alone;
* **tuning transfer**: a grid over the task's own arguments (max_words × prior_weight × mmr_lambda ×
  min_sentence_words, run through ``load_task`` as users run it), chosen on one half of the tune half
  (alternate articles) and scored on the other, both ways, against the defaults on the same articles.
  When the chosen setting's gain on its own fold does not survive on the other, differences between
  such settings are below what 80 articles can resolve.

    .venv/bin/python benchmarks/summarization_headroom.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import Counter
from pathlib import Path

from offline_quality import HERE, ROUGE, baseline, load, rouge_line, xsum_halves

GRID = {
    "max_words": (30, 40, 50),
    "prior_weight": (0.0, 0.5, 1.0, 2.0),
    "mmr_lambda": (0.5, 0.7),
    "min_sentence_words": (4, 8),
}
RANK_BINS = ((0, 0), (1, 1), (2, 2), (3, 4), (5, 9), (10, 10**9))
_CONTENT_WORD = re.compile(r"[a-z]{4,}")


def rouge_f(metric: str, summaries: list[str], references: list[str]) -> list[float]:
    """Per-sample ROUGE F × 100, exactly as the harness computes it."""
    from nlpsuite.registry import get_metric

    spec = get_metric(metric)
    return spec.compute(summaries, references, dict(spec.default_args)).per_sample


def eligible_sentences(document: str) -> list[str]:
    """The sentences the summarizer and the baselines may pick (same split, same too-short rule)."""
    from nlpsuite.plugins.summarization.extractive import DEFAULT_MIN_SENTENCE_WORDS, document_passages, word_count

    passages = document_passages(document)
    keep = [t for t, e in zip(passages.texts, passages.embed_texts) if word_count(e) >= DEFAULT_MIN_SENTENCE_WORDS]
    return keep or passages.texts


def opens_with_quote(sentence: str) -> bool:
    return sentence.lstrip()[:1] in "\"“‘'"


def sentence_features(sentences: list[str], vectors) -> dict[str, list[float]]:
    """Per-sentence features; ``vectors`` are the sentences' L2-normalised embeddings."""
    import numpy as np

    from nlpsuite.plugins.summarization.extractive import Budget, sentence_scores, word_count

    vectors = np.asarray(vectors, dtype=np.float64)
    no_prior = Budget(max_sentences=1, max_words=1, mmr_lambda=1.0, min_sentence_words=0, prior_weight=0.0)
    words = [_CONTENT_WORD.findall(s.lower()) for s in sentences]
    counts = Counter(w for ws in words for w in ws)
    total = sum(counts.values()) or 1
    return {
        "centroid relevance": list(sentence_scores(vectors, list(range(len(sentences))), no_prior)),
        "earliness (-rank)": [-float(i) for i in range(len(sentences))],
        "length (words)": [float(word_count(s)) for s in sentences],
        "no opening quote": [0.0 if opens_with_quote(s) else 1.0 for s in sentences],
        "word frequency (SumBasic)": [sum(counts[w] for w in ws) / total / len(ws) if ws else 0.0 for ws in words],
    }


def ceilings_and_profile(tune: list[dict], default) -> None:
    import numpy as np
    from scipy.stats import spearmanr

    from nlpsuite.plugins.summarization.extractive import word_count

    encoder = default.predictor.encoder
    references = [r["summary"] for r in tune]
    reference_vectors = encoder.encode(references, normalize_embeddings=True, convert_to_numpy=True)
    nearest_to_reference, centroid_cosines = [], []
    best_one, best_two, ranks, lengths, quotes = [], [], [], [], []
    all_lengths, all_quotes = [], []
    correlations: dict[str, list[float]] = {}
    top_by_feature: dict[str, list[str]] = {}
    for row, reference_vector in zip(tune, reference_vectors):
        sentences = eligible_sentences(row["document"])
        vectors = encoder.encode(sentences, normalize_embeddings=True, convert_to_numpy=True)
        nearest_to_reference.append(sentences[int(np.argmax(vectors @ reference_vector))])
        centroid = vectors.sum(axis=0)
        centroid_cosines.append(float(centroid @ reference_vector / np.linalg.norm(centroid)))
        scores = rouge_f("rouge1", sentences, [row["summary"]] * len(sentences))
        best = int(np.argmax(scores))
        best_one.append(sentences[best])
        pairs = [" ".join(p) for p in itertools.combinations(sentences, 2)]
        pair_scores = rouge_f("rouge1", pairs, [row["summary"]] * len(pairs)) if pairs else []
        best_two.append(pairs[int(np.argmax(pair_scores))] if pairs and max(pair_scores) > scores[best]
                        else sentences[best])
        ranks.append(best)
        lengths.append(word_count(sentences[best]))
        quotes.append(opens_with_quote(sentences[best]))
        all_lengths.extend(word_count(s) for s in sentences)
        all_quotes.extend(opens_with_quote(s) for s in sentences)
        for name, values in sentence_features(sentences, vectors).items():
            top_by_feature.setdefault(name, []).append(sentences[int(np.argmax(values))])
            if len(sentences) > 2 and len(set(values)) > 1 and len(set(scores)) > 1:
                correlations.setdefault(name, []).append(spearmanr(values, scores).statistic)

    summaries = [o.get("summary", "") for o in default.predict([{"document": r["document"]} for r in tune])]
    print(f"  XSum tune half: {len(tune)} articles; ceilings (oracle: chosen by ROUGE-1 against the reference)")
    print(rouge_line("oracle: best sentence", best_one, references))
    print(rouge_line("oracle: best <= 2 sentences", best_two, references))
    print(rouge_line("nearest to reference embedding", nearest_to_reference, references))
    print(rouge_line("extractive (default)", summaries, references))
    print(rouge_line("lead-1", [baseline(r["document"], 1) for r in tune], references))
    print(f"  cosine between the document centroid and the reference embedding: mean {np.mean(centroid_cosines):.3f}")
    histogram = ", ".join(f"{lo}{'' if hi == lo else ('+' if hi > 100 else f'-{hi}')}: "
                          f"{sum(lo <= r <= hi for r in ranks)}" for lo, hi in RANK_BINS)
    print(f"  oracle sentence rank among eligible sentences (articles): {histogram}")
    print(f"  oracle sentence: {np.mean(lengths):.1f} words on average (all eligible: {np.mean(all_lengths):.1f}); "
          f"opens with a quote {np.mean(quotes):.0%} (all eligible: {np.mean(all_quotes):.0%})")
    print("  sentence features: mean within-article Spearman rho with sentence ROUGE-1; ROUGE-1 of the top sentence")
    for name, rhos in correlations.items():
        top = np.mean(rouge_f("rouge1", top_by_feature[name], references))
        print(f"    {name:<28} rho {np.mean(rhos):+.3f}   top-1 rouge1 {top:5.2f}")


def tuning_transfer(tune: list[dict]) -> None:
    import numpy as np

    references = [r["summary"] for r in tune]
    documents = [{"document": r["document"]} for r in tune]
    settings = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    default_index = len(settings)
    per_article = []
    for task_args in [*settings, {}]:
        summaries = [o.get("summary", "") for o in load("summarization", task_args).predict(documents)]
        per_article.append(rouge_f(ROUGE[0], summaries, references))
    scores = np.asarray(per_article)
    folds = (np.arange(len(tune)) % 2 == 0, np.arange(len(tune)) % 2 == 1)
    print(f"  tuning transfer: {len(settings)} settings of {list(GRID)}, rouge1; chosen on one fold "
          f"({folds[0].sum()} alternate articles), scored on the other")
    for fit, other in (folds, folds[::-1]):
        chosen = int(scores[:default_index, fit].mean(axis=1).argmax())
        print(f"    chosen {settings[chosen]}: own fold {scores[chosen, fit].mean():5.2f} "
              f"(default {scores[default_index, fit].mean():5.2f}), other fold {scores[chosen, other].mean():5.2f} "
              f"(default {scores[default_index, other].mean():5.2f})")
    means = scores[:default_index].mean(axis=1)
    print(f"    all {len(tune)}: settings range {means.min():5.2f}-{means.max():5.2f}, median {np.median(means):5.2f}; "
          f"default {scores[default_index].mean():5.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    halves = xsum_halves(args.data)
    if halves is None:
        return 0
    tune, _ = halves  # the held-out half is for reporting only (offline_quality.py)
    ceilings_and_profile(tune, load("summarization", {}))
    tuning_transfer(tune)
    return 0


if __name__ == "__main__":
    sys.exit(main())
