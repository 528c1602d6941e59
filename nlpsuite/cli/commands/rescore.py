"""``nlpsuite rescore RUN_DIR``: recompute metrics and reports from stored predictions, loading no model."""

from __future__ import annotations

import argparse

from nlpsuite.cli.options import positive_int

HELP = "recompute a run's metrics and reports from its stored predictions (no model is loaded)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by `nlpsuite eval`")
    parser.add_argument("--metric-args", default=None, metavar="METRIC.KEY=VALUE,...",
                        help="new metric settings (default: those the run used)")
    parser.add_argument("--label-map", default=None, metavar="REF=MODEL,...",
                        help="map reference labels to the model's labels, e.g. pos=positive (default: the run's)")
    parser.add_argument("--seed", type=int, default=None, help="bootstrap seed (default: the run's)")
    parser.add_argument("--bootstrap", type=positive_int, default=None, metavar="N",
                        help="bootstrap resamples (default: the run's)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlpsuite.cli.commands.eval import finish, print_summary
    from nlpsuite.evaluation.label_alignment import parse_label_map
    from nlpsuite.evaluation.results import read_run
    from nlpsuite.evaluation.runner import parse_metric_args, rescore_run
    from nlpsuite.registry import get_task

    metric_args = None
    if args.metric_args is not None:
        spec = get_task(read_run(Path(args.run_dir)).results["task"])
        metric_args = parse_metric_args(args.metric_args, spec)
    label_map = parse_label_map(args.label_map) if args.label_map is not None else None
    outcome = rescore_run(Path(args.run_dir), metric_args=metric_args, seed=args.seed, n_bootstrap=args.bootstrap,
                          label_map=label_map)
    print_summary(outcome.results, outcome.run_dir)
    return finish(outcome)
