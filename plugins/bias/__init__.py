"""Bias probing plugin: WEAT/SEAT association tests on sentence encoders, CrowS-style pair scoring.

Registers the ``bias`` task, the built-in WEAT 1–10 battery as the dataset
``bias-sample``, and the ``nlpsuite bias`` command (``weat`` and ``crows``).
Nothing heavy is imported here: numpy, torch and the models load when a test runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nlpsuite import CommandSpec, DatasetSpec, TaskOptions, TaskSpec, hookimpl
from nlpsuite.plugins.bias.schema import ARGUMENTS, EMBEDDED_MODEL, EXAMPLES, INPUT_FIELDS, OUTPUT_FIELDS, TASK_NAME

NLPSUITE_PLUGIN_API = "1.0"

WEAT_CITATION = (
    "Caliskan, A., Bryson, J. J., & Narayanan, A. (2017). Semantics derived automatically from language "
    "corpora contain human-like biases. Science, 356(6334), 183-186; word lists from the IAT studies each "
    "test cites (Greenwald et al. 1998; Bertrand & Mullainathan 2004; Nosek et al. 2002a, 2002b; "
    "Monteith & Pettit 2011)."
)


def _build(request: Any, options: TaskOptions) -> Any:
    from nlpsuite.plugins.bias.task import build

    return build(request, options)


def _builtin_records() -> Iterator[dict[str, Any]]:
    from nlpsuite.plugins.bias.definitions import builtin_tests

    for name, test in builtin_tests().items():
        yield {"id": name, "test": test.to_record()}


@hookimpl
def register_tasks() -> list[TaskSpec]:
    return [
        TaskSpec(
            name=TASK_NAME,
            description="Bias probing: WEAT/SEAT association tests on a sentence encoder (effect size, permutation "
            "p-value, bootstrap CI), and CrowS-Pairs-style likelihood scoring of sentence pairs with a masked or causal LM",
            input_fields=INPUT_FIELDS,
            output_fields=OUTPUT_FIELDS,
            build=_build,
            default_model=EMBEDDED_MODEL,
            fallback_model=EMBEDDED_MODEL,
            arguments=ARGUMENTS,
            examples=EXAMPLES,
            sample_dataset=f"{TASK_NAME}-sample",
        )
    ]


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            name=f"{TASK_NAME}-sample",
            task=TASK_NAME,
            description="WEAT 1-10 (Caliskan et al. 2017), one record per test, word lists typed in from the papers",
            load=_builtin_records,
            citation=WEAT_CITATION,
            license="Apache-2.0 (the project's typing of word lists published in the cited papers)",
        )
    ]


@hookimpl
def register_commands() -> list[CommandSpec]:
    from nlpsuite.plugins.bias import cli

    return [CommandSpec(name="bias", help=cli.HELP, configure=cli.configure, run=cli.run)]
