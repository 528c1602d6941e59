"""``nlpsuite compare RUN_A RUN_B``: paired significance tests per metric from two runs' stored samples."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from nlpsuite.cli.options import positive_int

HELP = "paired significance tests between two eval runs over the same samples (no model is loaded)"


def _metric_list(text: str) -> list[str]:
    return [m.strip() for m in text.split(",") if m.strip()]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_a", metavar="RUN_A", help="baseline run directory (written by `nlpsuite eval`)")
    parser.add_argument("run_b", metavar="RUN_B", help="run directory compared against the baseline")
    parser.add_argument("--metrics", type=_metric_list, default=None, metavar="M1,M2",
                        help="metrics to test (default: every metric scored in both runs)")
    parser.add_argument("--bootstrap", "--n-resamples", dest="n_resamples", type=positive_int, default=1000, metavar="N",
                        help="paired bootstrap resamples (default 1000)")
    parser.add_argument("--n-trials", type=positive_int, default=10000, metavar="N",
                        help="approximate randomization trials (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for resampling (default 0)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level for naming a winner (default 0.05)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "nan"
    return f"{value:.4f}" if abs(value) < 2 else f"{value:.2f}"


def _p(value: float) -> str:
    return f"{value:.4f}" if value >= 1e-4 else f"{value:.1e}"


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlpsuite.cli.table import print_json, print_table
    from nlpsuite.errors import UsageError
    from nlpsuite.evaluation.comparison import compare_runs
    from nlpsuite.evaluation.results import read_run

    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha {args.alpha} is not between 0 and 1", hint="e.g. --alpha 0.05")
    run_a, run_b = read_run(Path(args.run_a)), read_run(Path(args.run_b))
    comparison = compare_runs(
        run_a, run_b, metrics=args.metrics, n_resamples=args.n_resamples, n_trials=args.n_trials,
        seed=args.seed, alpha=args.alpha,
    )
    for warning in comparison.warnings:
        print(f"nlpsuite: warning: {warning}", file=sys.stderr)
    if args.json:
        print_json(comparison.to_dict(str(args.run_a), str(args.run_b)))
        return 0
    from nlpsuite.evaluation.results import model_summary

    # the runtime is printed beside the model, from the same label the runtime check compares
    model_a, model_b = model_summary(run_a.results, runtime=False), model_summary(run_b.results, runtime=False)
    print(f"task {comparison.task}, dataset {comparison.dataset}, {comparison.n} paired samples")
    runtime_a, runtime_b = comparison.runtimes
    print(f"A (baseline): {args.run_a}  model {model_a}  runtime {runtime_a}")
    print(f"B:            {args.run_b}  model {model_b}  runtime {runtime_b}")
    print()
    rows = []
    for test in comparison.tests:
        winner = test.winner(comparison.alpha)
        rows.append((
            test.metric + (" ↑" if test.higher_is_better else " ↓"),
            _fmt(test.value_a), _fmt(test.value_b), ("+" if test.delta > 0 else "") + _fmt(test.delta),
            test.test + (f" ({test.n_resamples})" if test.n_resamples else ""),
            _p(test.p_value),
            winner or "no significant difference",
        ))
    print_table(("metric", "A", "B", "B-A", "test", "p", f"better (alpha {comparison.alpha:g})"), rows)
    if comparison.runtime_check is not None:
        _print_runtime_check(comparison.runtime_check)
    return 0


def _print_runtime_check(check: Any) -> None:
    """The regression check of runs that differ only in what ran the model."""
    from nlpsuite.cli.table import print_table

    print(f"\nthe runs differ only in runtime ({check.runtime_a} vs {check.runtime_b}):")
    print_table(("prediction field", "same in both", "share", f"{check.level:.0%} CI"),
                [(a.field, f"{a.agree} of {a.n}", f"{a.rate:.2%}", f"{a.ci_low:.2%} to {a.ci_high:.2%}")
                 for a in check.agreement])
    print_table(("metric", "B-A", f"{check.level:.0%} CI (paired bootstrap)"),
                [(d.metric, ("+" if d.delta > 0 else "") + _fmt(d.delta), f"{_fmt(d.ci_low)} to {_fmt(d.ci_high)}")
                 for d in check.differences])
