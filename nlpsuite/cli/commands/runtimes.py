"""``nlpsuite runtimes``: which runtimes are installed, what each measured here for a model, which ``auto`` uses."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nlpsuite.cli.options import add_model_options, command_session, notifier, task_options_from

HELP = "show the installed runtimes (torch, onnx, ct2) and which one --runtime auto uses for a task's model"
EPILOG = """\
With --task (and optionally --model) the task's model is loaded as `nlpsuite run` would load
it, so the auto choice is measured now if this machine has not measured it yet (a few seconds,
once per machine and model; later processes read the stored choice). The choice is stored per
CPU, cores, threads (OMP_NUM_THREADS), model weights and runtime versions; --runtime and
--quantize behave as on `nlpsuite run`."""

#: What each runtime runs and the extra that installs it.
RUNTIME_ROWS = (
    ("torch", ("torch",), "every model", None),
    ("onnx", ("onnxruntime", "onnx"), "BERT sentence encoders (the embedded all-MiniLM-L6-v2)", "nlpsuite[fast]"),
    ("ct2", ("ctranslate2",), "seq2seq models and causal LMs (translation, abstractive summarization, generation)",
     "nlpsuite[ct2]"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", "-t", help="load this task's model and show what runs it (see `nlpsuite tasks`)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_model_options(parser)


def installed_runtimes() -> list[dict[str, Any]]:
    from nlpsuite.models.runtime_probe import package_version

    rows = []
    for name, packages, runs, extra in RUNTIME_ROWS:
        versions = {package: package_version(package) for package in packages}
        rows.append({"runtime": name, "installed": all(versions.values()), "versions": versions, "runs": runs,
                     "install": None if all(versions.values()) or extra is None else f"pip install '{extra}'"})
    return rows


def _components(value: Any) -> list[Any]:
    return [part for item in (value if isinstance(value, tuple) else (value,)) for part in _components_of(item)]


def _components_of(item: Any) -> list[Any]:
    return [item] if item is not None and (callable(getattr(item, "describe", None)) or hasattr(item, "parameters")) else []


def _selection_of(item: Any) -> Any:
    return getattr(item, "runtime_selection", None) or getattr(item, "nlpsuite_runtime_selection", None)


def model_runtimes(session: Any, predictor: Any) -> list[dict[str, Any]]:
    """What runs each model the session loaded for the task: runtime, how it was chosen, the probe's figures."""
    from nlpsuite.models.encoder_runtime import encoder_runtime

    rows = []
    task_selection = _selection_of(predictor)  # a task that chose among its own runtimes (generation)
    for key in session.models.keys():
        for component in _components(session.models.get_or_load(key, lambda: None)):
            described = encoder_runtime(component)
            selection = _selection_of(component) or (task_selection if task_selection is not None
                                                     and task_selection.runtime == described["runtime"] else None)
            rows.append({
                "component": type(component).__name__,
                "runtime": described["runtime"], "quantize": described["quantize"],
                "chosen_by": "auto" if selection is not None else described.get("runtime_selection",
                                                                                 "the only runtime of this model"),
                "selection": selection.to_dict() if selection is not None else None,
            })
    return rows


def run(args: argparse.Namespace) -> int:
    from nlpsuite.cli.table import print_json, print_table
    from nlpsuite.models.runtime_probe import machine_conditions

    report: dict[str, Any] = {"machine": machine_conditions(), "runtimes": installed_runtimes()}
    if args.task:
        from nlpsuite.registry import get_task
        from nlpsuite.runtime import load_task, resolve_options

        spec = get_task(args.task)
        session = command_session(args)
        options = resolve_options(spec, task_options_from(args, spec))
        loaded = load_task(spec.name, args.model, options, notify=notifier(args), session=session)
        task_config = loaded.config()
        report.update(task=spec.name, model=loaded.model.name, models=model_runtimes(session, loaded.predictor),
                      runtime={key: task_config[key] for key in ("runtime", "quantize", "runtime_selection")
                               if key in task_config})
    if args.json:
        print_json(report)
        return 0
    machine = report["machine"]
    sys.stdout.write(f"machine: {machine['cpu'] or machine['machine']}, {machine['cores']} cores, "
                     f"{machine['threads']} threads\n")
    print_table(("runtime", "installed", "runs"),
                [(r["runtime"], ", ".join(f"{p} {v}" for p, v in r["versions"].items()) if r["installed"]
                  else f"no ({r['install']})", r["runs"]) for r in report["runtimes"]])
    if args.task:
        runtime = report["runtime"]
        sys.stdout.write(f"\ntask {report['task']}, model {report['model']}: runs on {runtime.get('runtime', 'torch')}"
                         + (" int8" if runtime.get("quantize") == "int8" else "")
                         + (f" ({'chosen by auto' if runtime.get('runtime_selection') == 'auto' else 'forced'})"
                            if runtime.get("runtime_selection") else "") + "\n")
        rows = []
        for row in report["models"]:
            selection = row["selection"] or {}
            measured = ", ".join(f"{m['runtime']} {m['items_per_s']:g}/s" + ("" if m.get("exact") is not False else " (not exact)")
                                 if m.get("error") is None else f"{m['runtime']} failed: {m['error']}"
                                 for m in selection.get("measurements", ()))
            source = ("stored" if selection.get("reused") else f"measured now in {selection.get('probe_s', 0):g} s") \
                if selection.get("measurements") else ""
            rows.append((row["component"], f"{row['runtime']}" + (" int8" if row["quantize"] == "int8" else ""),
                         row["chosen_by"], measured or selection.get("reason", "-"), source or "-"))
        print_table(("component", "runtime", "chosen by", "measured on this machine", "figures"), rows)
    return 0
