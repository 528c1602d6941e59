"""``nlpsuite audit``: counterfactual bias audit of any task; writes audit.json, pairs.jsonl and reports."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nlpsuite.cli.engine_options import add_engine_options, engine_from_args
from nlpsuite.cli.options import add_model_options, add_output_options, command_session, notifier, positive_int, task_options_from
from nlpsuite.errors import failure_exit_status

HELP = "counterfactual bias audit: run a task on inputs and on gender/name-swapped variants, and compare the outputs"
EPILOG = """\
Each input gets a variant per perturbation direction (e.g. gender male->female)
that changes something in it; inputs with nothing to swap are counted and
skipped.  Originals and variants run through the task like `eval` (cached and
resumable).  Labels: flip rate (Wilson CI) and McNemar's exact test (Holm-
adjusted); numbers: mean change (bootstrap CI over original inputs); text:
swap-back chrF/cosine and gendered-term faithfulness; the task's metrics per
group.  A slice with fewer than --min-inputs inputs reads "insufficient evidence".
Exit status 3 when some pairs failed (their "error" is in pairs.jsonl), 4 when all did.
Perturbations: `nlpsuite plugins` lists who provides them."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", "-t", required=True, help="task name (see `nlpsuite tasks`)")
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", "-d", help="as for `nlpsuite eval` (default: the task's built-in sample)")
    data.add_argument("--columns", metavar="FIELD=COLUMN,...", help="map task fields to dataset columns")
    data.add_argument("--limit", type=positive_int, help="audit only the first N inputs (marks the audit non-reportable)")
    audit = parser.add_argument_group("audit")
    audit.add_argument("--perturbations", "-p", default="", metavar="NAME,...",
                       help="registered perturbations to apply, e.g. gender,names,race_names (default: all)")
    audit.add_argument("--seed", type=int, default=0, help="seed for bootstrap CIs (default 0)")
    audit.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                       help="bootstrap resamples over original inputs (default 1000; 0: no bootstrap CIs)")
    audit.add_argument("--min-inputs", type=positive_int, default=10, metavar="N",
                       help="fewest original inputs a slice needs for an estimate (default 10)")
    audit.add_argument("--output-lang", metavar="LANG",
                       help="language of the task's text outputs when not the input's (default: --tgt, else en); "
                       "picks the word lists that swap outputs back")
    audit.add_argument("--embedding-model", default="all-MiniLM-L6-v2", metavar="MODEL",
                       help="encoder for swap-back cosine of text outputs (default all-MiniLM-L6-v2; 'none': off)")
    audit.add_argument("--examples", type=positive_int, default=5, metavar="N",
                       help="failing and passing examples shown per perturbation (default 5)")
    add_output_options(parser, "nlpsuite-runs/audit-<task>-<dataset>-<model>-<hash>")
    add_model_options(parser)
    add_engine_options(parser)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlpsuite.evaluation.audit import AuditRequest, run_audit
    from nlpsuite.evaluation.provenance import command_line
    from nlpsuite.registry import get_task

    spec = get_task(args.task)
    engine = engine_from_args(args)  # before any model loads: `--engine ray` without Ray stops here
    if args.bootstrap < 0:
        from nlpsuite.errors import UsageError

        raise UsageError(f"--bootstrap {args.bootstrap} is negative", hint="give 0 (no CIs) or more resamples")
    embedding = None if (args.embedding_model or "").lower() in ("", "none", "off") else args.embedding_model
    request = AuditRequest(
        task=spec.name,
        model=args.model,
        dataset=args.dataset,
        columns=args.columns,
        limit=args.limit,
        perturbations=tuple(p.strip() for p in args.perturbations.split(",") if p.strip()),
        options=task_options_from(args, spec),
        seed=args.seed,
        n_bootstrap=args.bootstrap,
        min_inputs=args.min_inputs,
        output_dir=Path(args.output_dir) if args.output_dir else None,
        use_cache=not args.no_cache,
        output_language=args.output_lang,
        embedding_model=embedding,
        top_examples=args.examples,
        command=command_line(),
    )
    try:
        outcome = run_audit(request, notify=notifier(args), session=command_session(args), engine=engine)
    finally:
        engine.close()
    print_summary(outcome.results, outcome.run_dir)
    if outcome.report_error:
        print(f"nlpsuite: warning: reports were not written ({outcome.report_error}); audit.json is complete",
              file=sys.stderr)
    sections = outcome.results.get("perturbations") or {}
    variants = sum(s["counts"]["variants"] for s in sections.values())
    failed = sum(s["counts"]["failed_pairs"] for s in sections.values())
    if variants and failed == variants:
        print("nlpsuite: error: every counterfactual pair failed; see \"error\" in pairs.jsonl", file=sys.stderr)
    elif failed:
        print(f"nlpsuite: {failed} of {variants} counterfactual pairs failed; see their \"error\" in "
              f"{outcome.run_dir}/pairs.jsonl", file=sys.stderr)
    return failure_exit_status(failed, variants)


def _num(value: Any) -> str:
    from nlpsuite.evaluation.audit.report import format_number

    return format_number(value, 3, "-")


def _p(value: Any) -> str:
    from nlpsuite.evaluation.audit.report import format_p

    return format_p(value, "-")


def print_summary(results: dict[str, Any], run_dir: Any) -> None:
    """One line per perturbation direction and label field: flip rate, CI, Holm p; then findings and the directory."""
    from nlpsuite.cli.table import print_table

    from nlpsuite.evaluation.results import model_summary

    counts = results.get("counts") or {}
    sys.stdout.write(f"audit {results.get('task')}  model {model_summary(results)}  inputs {counts.get('inputs')} "
                     f"({counts.get('inputs_with_variants')} with variants, {counts.get('variants')} variants)\n")
    rows = []
    for name, section in (results.get("perturbations") or {}).items():
        for field, block in section.get("labels", {}).items():
            for direction, r in block["directions"].items():
                fr, test = r.get("flip_rate") or {}, r.get("paired_test") or {}
                ci = fr.get("ci") or {}
                rows.append((name, direction, field, _num(fr.get("value")) if fr else r.get("status", "-"),
                             f"[{_num(ci.get('low'))}, {_num(ci.get('high'))}]" if ci else "-", _p(test.get("p_holm"))))
        for field, block in section.get("text", {}).items():
            for direction, r in block["directions"].items():
                chrf = r.get("swap_back_chrf") or {}
                ci = chrf.get("ci") or {}
                rows.append((name, direction, f"{field} swap-back chrF", _num(chrf.get("mean")) if chrf else r.get("status", "-"),
                             f"[{_num(ci.get('low'))}, {_num(ci.get('high'))}]" if ci else "-", "-"))
    if rows:
        print_table(("perturbation", "direction", "measure", "value", "95% CI", "Holm p"), rows)
    findings = results.get("findings") or []
    sys.stdout.write(f"{len(findings)} finding(s) flagged" + ("; see audit.md\n" if findings else "\n"))
    sys.stdout.write(f"audit directory: {run_dir}\n")
    sys.stdout.flush()
