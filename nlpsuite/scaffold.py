"""``nlpsuite plugins new NAME``: write a plugin package that runs, and passes its tests, as generated.

The package is what an outside author ships: ``pyproject.toml`` with the
``nlpsuite`` entry point and the plugin API it targets, one module with a
skeleton for each chosen hook, and tests that use :mod:`nlpsuite.testing` (the
contract check and a run through the real CLI).  The task skeleton compares two
texts with the embedded sentence encoder, so it works offline from the start.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from pathlib import Path

from nlpsuite.errors import OutputError, UsageError
from nlpsuite.specs import PLUGIN_API_VERSION

#: Hooks the scaffold can write a skeleton for, by the short name ``--hooks`` takes.
SCAFFOLD_HOOKS: tuple[str, ...] = ("tasks", "metrics", "datasets", "perturbations", "commands")
# A plugin name becomes a distribution (nlpsuite-NAME), a module (nlpsuite_NAME), a task and an entry-point
# name: letters, digits, '-' and '_', starting with a letter and ending with a letter or digit.  A dot would
# make a dotted task name and a distribution whose module name differs from it.
_PLUGIN_NAME = re.compile(r"^[a-z]([a-z0-9_-]*[a-z0-9])?$")


def plugin_names(name: str) -> tuple[str, str, str]:
    """(plugin name, distribution name, module name) for ``name`` (``my-task`` → ``my-task``,
    ``nlpsuite-my-task``, ``nlpsuite_my_task``)."""
    plugin = name.strip().lower()
    if plugin.startswith("nlpsuite-"):
        plugin = plugin.removeprefix("nlpsuite-")
    if not plugin or not _PLUGIN_NAME.match(plugin):
        bad = sorted({c for c in plugin if not (c.isascii() and (c.isalnum() or c in "-_"))})
        why = f" (it holds {', '.join(repr(c) for c in bad)})" if bad else " (it must start with a letter and end with a letter or digit)"
        raise UsageError(
            f"{name!r} is not a valid plugin name{why}",
            hint="use lowercase letters, digits and '-' (e.g. `nlpsuite plugins new sentence-similarity`)",
        )
    distribution = f"nlpsuite-{plugin}"
    module = "nlpsuite_" + re.sub(r"[^a-z0-9]+", "_", plugin).strip("_")
    if not module.isidentifier() or keyword.iskeyword(module):
        raise UsageError(f"{name!r} does not make a Python module name", hint="start the name with a letter")
    return plugin, distribution, module


def check_hooks(hooks: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(h.strip() for h in hooks if h.strip())) or ["tasks"]
    unknown = [h for h in chosen if h not in SCAFFOLD_HOOKS]
    if unknown:
        raise UsageError(f"--hooks: unknown hook {unknown[0]!r}", hint=f"choose from {', '.join(SCAFFOLD_HOOKS)}")
    if "tasks" not in chosen:
        chosen.insert(0, "tasks")  # every other skeleton is exercised through the task
    return chosen


def write_plugin(name: str, hooks: Sequence[str], directory: Path, taken: Sequence[str] = ()) -> Path:
    """Write the package for plugin ``name`` under ``directory``; returns its folder.

    ``taken`` holds the names of plugins, tasks and metrics already installed:
    a clash is refused, since the host would refuse to load the new plugin.
    """
    plugin, distribution, module = plugin_names(name)
    chosen = check_hooks(hooks)
    task = plugin.replace("-", "_")
    clashes = sorted({plugin, task, f"{task}_overlap", f"{task}-sample"} & set(taken))
    if clashes:
        raise UsageError(
            f"plugin {plugin!r} would clash with {clashes[0]!r}, which an installed plugin already provides",
            hint="choose another name (see `nlpsuite plugins` and `nlpsuite tasks`)",
        )
    existing = directory
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--directory {str(directory)!r}: {existing} is a file, not a directory",
                         hint="pass a directory (it is created when missing), or move the file")
    root = directory / distribution
    if root.exists():
        raise UsageError(f"{root} already exists", hint="choose another name or --directory, or remove the folder")
    try:
        (root / "tests").mkdir(parents=True)
    except OSError as exc:
        raise OutputError(f"cannot write the plugin into {directory}: {exc.strerror or exc}",
                          hint="pass a --directory you can write to") from None
    values = {"plugin": plugin, "distribution": distribution, "module": module, "task": task,
              "api": PLUGIN_API_VERSION}
    (root / "pyproject.toml").write_text(_render(PYPROJECT, values), encoding="utf-8")
    (root / f"{module}.py").write_text(_module_text(chosen, values), encoding="utf-8")
    (root / "tests" / f"test_{module}.py").write_text(_tests_text(chosen, values), encoding="utf-8")
    (root / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (root / "README.md").write_text(_render(README, values), encoding="utf-8")
    return root


def _render(template: str, values: dict[str, str]) -> str:
    text = template
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _module_text(hooks: Sequence[str], values: dict[str, str]) -> str:
    parts = [MODULE_HEAD, TASK_PART]
    parts.extend(PARTS[h] for h in hooks if h != "tasks")
    return _render("".join(parts), values)


def _tests_text(hooks: Sequence[str], values: dict[str, str]) -> str:
    parts = [TESTS_HEAD]
    parts.extend(TEST_PARTS[h] for h in hooks if h in TEST_PARTS)
    return _render("".join(parts), values)


PYPROJECT = '''[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{{distribution}}"
version = "0.1.0"
description = "An nlpsuite plugin: {{task}}"
requires-python = ">=3.10"
# the plugin API this plugin targets is declared in the module (NLPSUITE_PLUGIN_API = "{{api}}")
dependencies = ["nlpsuite"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points.nlpsuite]
{{plugin}} = "{{module}}"

[tool.setuptools]
py-modules = ["{{module}}"]
'''

README = '''# {{distribution}}

An nlpsuite plugin, generated by `nlpsuite plugins new {{plugin}}`.

```bash
pip install -e .
nlpsuite plugins                      # lists {{plugin}}, its version and plugin API {{api}}
nlpsuite run --task {{task}} --offline --input pairs.jsonl   # {"text_a": "...", "text_b": "..."} per line
python -m pytest tests                # the contract check and a run through the CLI
```

Start with `{{module}}.py`: the task compares two texts with a sentence encoder (the embedded
all-MiniLM-L6-v2 offline). Change `predict` to do your task; keep the declared fields in step.
'''

MODULE_HEAD = '''"""{{distribution}}: an nlpsuite plugin.

Every hook returns typed spec objects; the host validates them, records that this plugin gave
them, and builds the CLI, the evaluation harness and the web demo from the declarations.
"""

from __future__ import annotations

from typing import Any

from nlpsuite import FieldSpec, MetricBinding, MetricResult, MetricSpec, TaskOptions, TaskSpec, argument, hookimpl

#: The plugin API this plugin was written for (the host refuses an incompatible one, saying why).
NLPSUITE_PLUGIN_API = "{{api}}"

TASK = "{{task}}"
'''

TASK_PART = '''

class Similarity:
    """The loaded model: answers a batch of records with exactly one output each."""

    def __init__(self, encoder: Any, decimals: int) -> None:
        self.encoder = encoder
        self.decimals = decimals

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        left = self.encoder.encode([r["text_a"] for r in records], normalize_embeddings=True)
        right = self.encoder.encode([r["text_b"] for r in records], normalize_embeddings=True)
        outputs = []
        for a, b in zip(left, right):
            similarity = round(float((a * b).sum()), self.decimals)
            outputs.append({"similarity": similarity, "label": "similar" if similarity >= 0.5 else "different"})
        return outputs

    def config(self) -> dict[str, Any]:
        """Effective settings, recorded with every result."""
        return {"decimals": self.decimals, "threshold": 0.5}


def build(request: Any, options: TaskOptions) -> Similarity:
    # heavy imports belong here, not at module level: listing plugins stays fast
    from nlpsuite.models.loading import load_sentence_transformer

    encoder = load_sentence_transformer(request, options)
    return Similarity(encoder, options.task_args["decimals"])  # typed and checked by the host


@hookimpl
def register_tasks() -> list[TaskSpec]:
    return [
        TaskSpec(
            name=TASK,
            description="how similar two texts are (cosine of their sentence embeddings)",
            input_fields=[FieldSpec("text_a", "text", "the first text"), FieldSpec("text_b", "text", "the second text")],
            output_fields=[
                FieldSpec("similarity", "number", "cosine similarity, -1 to 1"),
                FieldSpec("label", "label", "similar or different", choices=("similar", "different")),
            ],
            build=build,
            reference_field="label",
            default_model="sentence-transformers/all-MiniLM-L6-v2",
            fallback_model="all-MiniLM-L6-v2",
            arguments=[argument("decimals", "integer", "decimals of the similarity", default=4, minimum=0, maximum=8)],
            # metric, the output field it reads, the reference field it compares with
            metrics=[MetricBinding("accuracy", prediction_field="label", reference_field="label")],
            examples=[{"text_a": "A man is playing a guitar.", "text_b": "Someone plays the guitar."}],
        )
    ]
'''

METRICS_PART = '''

def label_overlap(predictions: list[Any], references: list[Any], args: dict[str, Any]) -> MetricResult:
    """Share of samples whose predicted label equals the reference (failed samples count as wrong)."""
    hits = [float(p is not None and p == r) for p, r in zip(predictions, references)]
    return MetricResult(value=sum(hits) / len(hits) if hits else float("nan"), per_sample=hits)


@hookimpl
def register_metrics() -> list[MetricSpec]:
    return [
        MetricSpec(
            name=f"{TASK}_overlap",
            description="share of samples with the reference label",
            version="1",
            higher_is_better=True,
            compute=label_overlap,
        )
    ]
'''

DATASETS_PART = '''

SAMPLE = [
    {"id": "1", "text_a": "A man is playing a guitar.", "text_b": "Someone plays the guitar.", "label": "similar"},
    {"id": "2", "text_a": "A child is eating an apple.", "text_b": "The stock market fell sharply.", "label": "different"},
    {"id": "3", "text_a": "The train leaves at nine.", "text_b": "At nine the train departs.", "label": "similar"},
    {"id": "4", "text_a": "It is raining in the hills.", "text_b": "She bought a new laptop.", "label": "different"},
]


@hookimpl
def register_datasets() -> list:
    from nlpsuite import DatasetSpec

    return [DatasetSpec(name=f"{TASK}-sample", task=TASK, description="four pairs written for this plugin",
                        load=lambda: iter(SAMPLE))]
'''

PERTURBATIONS_PART = '''

SWAPS = {"guitar": "violin", "violin": "guitar"}


def swap_instruments(text: str, direction: str) -> Any:
    import re

    from nlpsuite import PerturbationResult, Substitution

    substitutions = []
    pieces = []
    last = 0
    for match in re.finditer(r"\\b(guitar|violin)\\b", text):
        replacement = SWAPS[match.group(1)]
        substitutions.append(Substitution(match.start(), match.end(), match.group(1), replacement))
        pieces.extend([text[last:match.start()], replacement])
        last = match.end()
    pieces.append(text[last:])
    return PerturbationResult("".join(pieces), substitutions)


@hookimpl
def register_perturbations() -> list:
    from nlpsuite import PerturbationSpec

    return [PerturbationSpec(name=f"{TASK}-instruments", description="swap guitar and violin",
                             apply=swap_instruments, directions=("swap",), groups=("guitar", "violin"))]
'''

COMMANDS_PART = '''

def configure(parser: Any) -> None:
    parser.add_argument("text_a")
    parser.add_argument("text_b")


def run(args: Any) -> int:
    from nlpsuite.runtime import load_task

    task = load_task(TASK, notify=lambda _message: None)
    [output] = task.predict([{"text_a": args.text_a, "text_b": args.text_b}])
    print(output.get("similarity", output.get("error")))
    return 0 if "error" not in output else 4


@hookimpl
def register_commands() -> list:
    from nlpsuite import CommandSpec

    return [CommandSpec(name=f"{TASK.replace('_', '-')}-pair", help="print the similarity of two texts",
                        configure=configure, run=run)]
'''

PARTS = {"metrics": METRICS_PART, "datasets": DATASETS_PART, "perturbations": PERTURBATIONS_PART,
         "commands": COMMANDS_PART}

CONFTEST = '''import os

# the tests run offline, on the embedded model
os.environ.setdefault("HF_HUB_OFFLINE", "1")

pytest_plugins = ["nlpsuite.testing.fixtures"]
'''

TESTS_HEAD = '''"""Tests generated with the plugin: they pass as generated; keep them passing as you change it."""

import json

import {{module}}
from nlpsuite.cli import main
from nlpsuite.testing import check_plugin_contract


def test_plugin_keeps_the_nlpsuite_contract():
    check_plugin_contract({{module}})


def test_task_runs_through_the_cli(tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"text_a": "A dog runs in the park.", "text_b": "A dog is running in a park."}) + "\\n")
    code = main(["run", "--task", "{{task}}", "--offline", "--quiet", "--input", str(pairs), "--arg", "decimals=2"])
    row = json.loads(capsys.readouterr().out)
    assert code == 0, row
    assert row["prediction"]["label"] == "similar" and 0.5 <= row["prediction"]["similarity"] <= 1.0


def test_a_bad_argument_is_refused_by_the_host(capsys):
    assert main(["run", "--task", "{{task}}", "--offline", "--arg", "decimals=many", "x"]) == 2
    assert "decimals='many' is not a whole number" in capsys.readouterr().err
'''

TEST_PARTS = {
    "metrics": '''

def test_metric_scores_labels():
    result = {{module}}.label_overlap(["similar", None], ["similar", "different"], {})
    assert result.value == 0.5 and result.per_sample == [1.0, 0.0]
''',
    "datasets": '''

def test_sample_dataset_evaluates(tmp_path, capsys):
    code = main(["eval", "--task", "{{task}}", "--dataset", "{{task}}-sample", "--offline", "--quiet",
                 "--no-cache", "--output-dir", str(tmp_path / "run")])
    assert code == 0, capsys.readouterr().err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["metrics"]["accuracy"]["value"] >= 0.75
''',
    "perturbations": '''

def test_perturbation_logs_every_swap():
    result = {{module}}.swap_instruments("a guitar and a violin", "swap")
    assert result.text == "a violin and a guitar" and len(result.substitutions) == 2
''',
    "commands": '''

def test_command_prints_the_similarity(capsys):
    assert main(["{{task}}-pair".replace("_", "-"), "A cat sleeps.", "A cat is sleeping."]) == 0
    assert float(capsys.readouterr().out) > 0.5
''',
}
