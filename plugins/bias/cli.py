"""``nlpsuite bias weat|crows``: run a battery of association tests, or score sentence pairs.

Both go through the ``bias`` task (``load_task``), like every other front end;
this command adds the Holm correction across the battery and a table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nlpsuite.errors import UsageError

HELP = "bias probing: WEAT/SEAT association tests (weat) or CrowS-style sentence-pair scoring (crows)"


def configure(parser: argparse.ArgumentParser) -> None:
    from nlpsuite.cli.options import add_model_options, positive_int

    sub = parser.add_subparsers(dest="bias_command", metavar="{weat,crows}")
    weat = sub.add_parser(
        "weat", help="run WEAT/SEAT tests on a sentence encoder and print a table with Holm-adjusted p-values",
        description="Run built-in WEAT 1-10 tests (Caliskan et al. 2017) and/or your own tests from JSON or YAML "
        "files on a sentence encoder (default: the embedded all-MiniLM-L6-v2).",
    )
    weat.add_argument("--tests", default=None, metavar="NAMES",
                      help="built-in tests: 'all' or e.g. weat1,weat6 (default: all, or none when --file is given)")
    weat.add_argument("--file", "-f", action="append", default=[], metavar="FILE",
                      help="your test(s) as JSON or YAML in the SEAT shape (repeatable)")
    weat.add_argument("--template", action="append", default=[], metavar="TEMPLATE",
                      help="put each word into this sentence template, e.g. 'This is {}.' (repeatable; SEAT style)")
    weat.add_argument("--seat", action="store_true", help="use nlpsuite's bleached SEAT-style templates")
    weat.add_argument("--permutations", type=positive_int, default=None, metavar="N",
                      help="Monte Carlo permutations when exact enumeration is too large (default 100000)")
    weat.add_argument("--max-exact", type=positive_int, default=None, metavar="N",
                      help="enumerate all partitions when there are at most N (default 100000)")
    weat.add_argument("--bootstrap", type=int, default=None, metavar="B",
                      help="bootstrap resamples for the CI on d (default 10000; 0 for none)")
    weat.add_argument("--confidence", type=float, default=None, help="CI level (default 0.95)")
    weat.add_argument("--seed", type=int, default=None, help="seed for Monte Carlo and bootstrap (default 0)")
    weat.add_argument("--alpha", type=float, default=0.05, help="significance level marked in the table (default 0.05)")
    weat.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_model_options(weat, task_settings=False)

    crows = sub.add_parser(
        "crows", help="score sentence pairs with a masked LM (pseudo-log-likelihood) or a causal LM (log-probability)",
        description="Share of pairs whose stereotypical sentence a masked or causal LM finds more likely.",
    )
    crows.add_argument("--pairs", "-p", required=True, metavar="FILE.jsonl",
                       help='one pair per line: {"sent_more", "sent_less", "stereo_antistereo"?, "bias_type"?}')
    crows.add_argument("--json", action="store_true", help="print JSON (with per-pair scores) instead of a table")
    add_model_options(crows, task_settings=False)
    parser.set_defaults(bias_parser=parser)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the subcommand; without one, print the command's help."""
    if args.bias_command == "weat":
        return run_weat(args)
    if args.bias_command == "crows":
        return run_crows(args)
    args.bias_parser.print_help()
    return 2


def _task_options(args: argparse.Namespace, settings: dict[str, Any]) -> Any:
    from dataclasses import replace

    from nlpsuite.cli.options import task_options_from

    options = task_options_from(args)
    return replace(options, task_args={**dict(options.task_args), **{k: v for k, v in settings.items() if v is not None}})


def _collect_tests(args: argparse.Namespace) -> list[Any]:
    from nlpsuite.plugins.bias.definitions import read_test_file, select_builtin

    tests = []
    selection = args.tests if args.tests is not None else (None if args.file else "all")
    if selection:
        tests.extend(select_builtin(selection))
    for path in args.file:
        tests.extend(read_test_file(path))
    if not tests:
        raise UsageError("no tests selected", hint="pass --tests all, --tests weat1,weat2 or --file FILE")
    names = [t.name for t in tests]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"two tests are named {duplicates[0]!r}",
                         hint="give your test a distinct \"name\", or leave that built-in test out of --tests")
    return tests


def run_weat(args: argparse.Namespace) -> int:
    from nlpsuite.cli.options import notifier
    from nlpsuite.cli.table import print_json, print_table
    from nlpsuite.plugins.bias.definitions import DEFAULT_TEMPLATES
    from nlpsuite.plugins.bias.multiple_testing import holm_adjust
    from nlpsuite.plugins.bias.schema import TASK_NAME
    from nlpsuite.runtime import load_task

    if args.confidence is not None and not 0 < args.confidence < 1:
        raise UsageError(f"--confidence {args.confidence} is not between 0 and 1", hint="e.g. --confidence 0.95")
    if args.bootstrap is not None and args.bootstrap < 0:
        raise UsageError(f"--bootstrap {args.bootstrap} is negative", hint="pass 0 to skip the CI")
    tests = _collect_tests(args)
    templates = list(args.template) or (list(DEFAULT_TEMPLATES) if args.seat else None)
    options = _task_options(args, {
        "permutations": args.permutations, "max_exact": args.max_exact, "bootstrap": args.bootstrap,
        "confidence": args.confidence, "seed": args.seed, "templates": templates,
    })
    task = load_task(TASK_NAME, args.model, options, notify=notifier(args))
    outputs = task.predict([{"id": t.name, "test": t.to_record()} for t in tests])
    adjusted = holm_adjust([o.get("p_value") for o in outputs])
    for output, p_holm in zip(outputs, adjusted):
        if "error" not in output:
            output["p_value_holm"] = p_holm
    failures = [(t.name, o["error"]) for t, o in zip(tests, outputs) if "error" in o]
    if args.json:
        print_json({"model": task.model.to_dict(), "settings": task.config(), "correction": "holm",
                    "tests": [{"test": t.name, **o} for t, o in zip(tests, outputs)]})
    else:
        stimuli = f"words in {len(templates)} sentence templates (SEAT style)" if templates else "words"
        print(f"model: {task.model.name}   stimuli: {stimuli}   p-values: one-sided permutation (word level), "
              f"Holm-adjusted over {len(tests) - len(failures)} tests   seed: {task.config()['seed']}")
        rows = [_weat_row(t.name, o, args.alpha) for t, o in zip(tests, outputs) if "error" not in o]
        print_table(["test", "targets (X vs Y)", "attributes (A vs B)", "n", "d", "CI", "p", "method", "p_holm", ""],
                    rows)
        for output in outputs:
            for warning in output.get("warnings", []):
                print(f"nlpsuite: warning: {output.get('test')}: {warning}", file=sys.stderr)
    for name, error in failures:
        print(f"nlpsuite: error: test {name!r}: {error}", file=sys.stderr)
    return 1 if failures else 0


def _number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "n/a" if value is None else (f"{value:.2e}" if value < 1e-3 else f"{value:.4f}")


def _weat_row(name: str, output: dict[str, Any], alpha: float) -> list[str]:
    ci = f"[{_number(output['ci_low'], 2)}, {_number(output['ci_high'], 2)}]"
    sizes = f"{output['n_targ1']}/{output['n_targ2']}"
    mark = "*" if output["p_value_holm"] is not None and output["p_value_holm"] < alpha else ""
    return [name, f"{output['targ1']} vs {output['targ2']}", f"{output['attr1']} vs {output['attr2']}", sizes,
            _number(output["effect_size"], 2), ci, _p(output["p_value"]), output["p_value_method"],
            _p(output["p_value_holm"]), mark]


def run_crows(args: argparse.Namespace) -> int:
    from nlpsuite.cli.options import notifier
    from nlpsuite.cli.table import print_json, print_table
    from nlpsuite.jsonl import read_jsonl
    from nlpsuite.plugins.bias.crows import parse_pairs
    from nlpsuite.plugins.bias.schema import TASK_NAME
    from nlpsuite.runtime import load_task

    path = Path(args.pairs)
    pairs = list(read_jsonl(path))
    if not pairs:
        raise UsageError(f"pairs file {path} holds no pairs", hint='one JSON object per line: {"sent_more": …, "sent_less": …}')
    parse_pairs(pairs, str(path))  # malformed pairs stop here, before a model loads
    if args.model is None:
        raise UsageError("crows needs a masked or causal language model",
                         hint="pass --model DIR (a BERT-style masked LM or a GPT-style causal LM)")
    task = load_task(TASK_NAME, args.model, _task_options(args, {}), notify=notifier(args))
    (output,) = task.predict([{"id": path.stem, "test": {"name": path.stem, "pairs": pairs}}])
    if "error" in output:
        print(f"nlpsuite: error: {output['error']}", file=sys.stderr)
        return 1
    if args.json:
        print_json({"model": task.model.to_dict(), "settings": task.config(), **output})
    else:
        likelihood = "log-probability" if "log-probability" in str(task.config().get("pair_scoring")) \
            else "pseudo-log-likelihood"
        print(f"model: {task.model.name}   score: share of pairs whose stereotypical sentence has the higher "
              f"{likelihood} (0.5 = no preference); 95% exact CI; two-sided binomial p vs 0.5")
        groups = [("all", {**output, **output["details"]})] + list(output["details"]["by_bias_type"].items())
        print_table(["bias type", "pairs", "scored", "score", "CI", "p"], [
            [name, g["n_pairs"], g["n_scored"], _number(g["stereotype_score"]),
             f"[{_number(g['ci_low'])}, {_number(g['ci_high'])}]", _p(g["p_value"])]
            for name, g in groups
        ])
    for warning in output.get("warnings", []):
        print(f"nlpsuite: warning: {warning}", file=sys.stderr)
    return 0
