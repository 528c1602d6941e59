"""``nlpsuite eval``: evaluate a task's model on a dataset; writes results.json, samples.jsonl and reports."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nlpsuite.cli.engine_options import add_engine_options, engine_from_args
from nlpsuite.cli.options import add_model_options, add_output_options, command_session, notifier, positive_int, task_options_from
from nlpsuite.errors import EXIT_ALL_FAILED, failure_exit_status

HELP = "evaluate a task's model on a dataset (cached and resumable); writes results.json, samples.jsonl and reports"
EPILOG = """\
A sample that fails is scored as a wrong or empty prediction (never dropped) and
counted in the summary; the results are written and the run exits 3 (as `run`
does when some inputs fail).  A run in which every sample failed exits 4."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", "-t", required=True, help="task name (see `nlpsuite tasks`)")
    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset", "-d",
        help="FILE.jsonl|.csv|.tsv, SRC.txt,REF.txt, a registered dataset name (`nlpsuite datasets`), "
        "hf:org/name[:config][:split] or sacrebleu:TESTSET/SRC-TGT (default: the task's built-in sample); "
        "file:PATH and registered:NAME when a name could be read two ways",
    )
    data.add_argument("--columns", metavar="FIELD=COLUMN,...", help="map task fields to dataset columns, e.g. text=sentence")
    data.add_argument("--limit", type=positive_int, help="evaluate only the first N samples (marks the run non-reportable)")
    scoring = parser.add_argument_group("scoring")
    scoring.add_argument("--metric-args", default="", metavar="METRIC.KEY=VALUE,...",
                         help="metric settings, e.g. bleu.tokenize=intl")
    scoring.add_argument("--label-map", default="", metavar="REF=MODEL,...",
                         help="map reference labels to the model's labels, e.g. pos=positive,neg=negative "
                         "(unambiguous cases such as POSITIVE or 1/0 are mapped automatically, with a warning)")
    scoring.add_argument("--seed", type=int, default=0, help="seed for bootstrap CIs and sampling (default 0)")
    scoring.add_argument("--bootstrap", type=positive_int, default=1000, metavar="N",
                         help="bootstrap resamples for confidence intervals (default 1000)")
    add_output_options(parser, "nlpsuite-runs/<task>-<dataset>-<model>-<config hash>")
    add_model_options(parser)
    add_engine_options(parser)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlpsuite.evaluation.label_alignment import parse_label_map
    from nlpsuite.evaluation.provenance import command_line
    from nlpsuite.evaluation.runner import EvalRequest, parse_metric_args, run_eval
    from nlpsuite.registry import get_task

    spec = get_task(args.task)
    engine = engine_from_args(args)  # before any model loads: `--engine ray` without Ray stops here
    request = EvalRequest(
        task=spec.name,
        model=args.model,
        dataset=args.dataset,
        columns=args.columns,
        limit=args.limit,
        options=task_options_from(args, spec),
        metric_args=parse_metric_args(args.metric_args, spec),
        seed=args.seed,
        output_dir=Path(args.output_dir) if args.output_dir else None,
        use_cache=not args.no_cache,
        n_bootstrap=args.bootstrap,
        command=command_line(),
        label_map=parse_label_map(args.label_map),
    )
    try:
        outcome = run_eval(request, notify=notifier(args), session=command_session(args), engine=engine)
    finally:
        engine.close()
    print_summary(outcome.results, outcome.run_dir)
    return finish(outcome)


def finish(outcome: Any) -> int:
    """Exit status of an eval or rescore by the rule every command follows (:func:`failure_exit_status`):
    3 when some samples failed, 4 when every one did (results are written either way, and say so)."""
    if outcome.report_error:
        print(f"nlpsuite: warning: reports were not written ({outcome.report_error}); results are complete",
              file=sys.stderr)
    results = outcome.results
    failed = int((results.get("runtime") or {}).get("failed_samples") or 0)
    total = int((results.get("dataset") or {}).get("n") or 0)
    if results.get("status") == "all samples failed":
        print(f"nlpsuite: error: every sample failed, so the metrics mean nothing ({results.get('first_error')}); "
              f"{outcome.run_dir}/results.json is marked \"status\": \"all samples failed\"", file=sys.stderr)
        print("  hint: see the \"error\" of each sample in samples.jsonl; fix the inputs or the model and rerun",
              file=sys.stderr)
        return EXIT_ALL_FAILED
    if failed:
        print(f"nlpsuite: {failed} of {total} samples failed (scored as wrong or empty); "
              f"see their \"error\" in {outcome.run_dir}/samples.jsonl", file=sys.stderr)
    return failure_exit_status(failed, total)


def format_metric_rows(metrics: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for name, metric in metrics.items():
        ci = metric.get("ci") or {}
        low, high = ci.get("low"), ci.get("high")
        span = f"[{_num(low)}, {_num(high)}]" if low is not None and high is not None else "-"
        failed = metric.get("n_failed") or 0
        rows.append((name, _num(metric.get("value")), span, f"{metric.get('n', '')}" + (f" ({failed} failed)" if failed else "")))
    return rows


def _num(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, (int, float)) else str(value)


def print_summary(results: dict[str, Any], run_dir: Any) -> None:
    """The short table every eval and rescore ends with: metric, value, 95% CI, n; then the run directory."""
    from nlpsuite.cli.table import print_table

    from nlpsuite.evaluation.results import model_summary

    dataset = results.get("dataset", {})
    # the fallback notice itself went to stderr once, as the model loaded; this line only marks the model
    sys.stdout.write(f"task {results.get('task')}  model {model_summary(results)}  "
                     f"dataset {dataset.get('name')} (n={dataset.get('n')})\n")
    metrics = results.get("metrics") or {}
    if metrics:
        print_table(("metric", "value", "95% CI", "n"), format_metric_rows(metrics))
    else:
        sys.stdout.write("no metrics (the task names none)\n")
    runtime = results.get("runtime") or {}
    if runtime.get("failed_samples"):
        sys.stdout.write(f"{runtime['failed_samples']} samples failed; see their \"error\" in samples.jsonl\n")
    if runtime.get("cached_samples"):
        sys.stdout.write(f"{runtime['cached_samples']} predictions reused from the cache\n")
    if not results.get("reportable", True):
        limit = (results.get("config") or {}).get("limit")
        why = f"--limit {limit} evaluated a subset" if limit is not None else results.get("status", "see results.json")
        sys.stdout.write(f"not reportable: {why}\n")
    sys.stdout.write(f"run directory: {run_dir}\n")
    sys.stdout.flush()
