"""One running demo server per test session, on 127.0.0.1 and a free port, shared by the web tests.

The server is built with a third-party task (:mod:`tests.web_plugin`) and a
third-party perturbation (:class:`PetsPerturbationPlugin`) registered only here,
so the tests can check that the task gets its own tab and the perturbation its
checkbox on the Audit tab.
The registry swap lasts while the server runs (its handlers look tasks up);
the web test modules sort after every other test module, so nothing else sees it.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nlpsuite import PerturbationResult, PerturbationSpec, Substitution, hookimpl

#: Characters a request may carry in the test server (small, so the cap is testable).
TEST_MAX_INPUT_CHARS = 5_000
TEST_MAX_UPLOAD_BYTES = 64 * 1024


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def offered_models(tmp_path_factory: pytest.TempPathFactory, *models: Path) -> Path:
    """A ``--model-dir`` folder offering exactly ``models`` (linked, so each keeps its folder name)."""
    folder = tmp_path_factory.mktemp("demo-models")
    for model in models:
        (folder / model.name).symlink_to(model, target_is_directory=True)
    return folder


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory, tiny_translator: Path, tiny_causal_lm: Path) -> Iterator[Any]:
    """The demo as an operator with two local models (``--model-dir``) serves it, offline."""
    pytest.importorskip("gradio")
    from nlpsuite.session import Session
    from nlpsuite.testing import registered
    from nlpsuite.web.serving import start
    from nlpsuite.web.settings import DemoSettings
    from tests.web_plugin import EchoWordsPlugin

    runs = tmp_path_factory.mktemp("demo-runs")
    models = offered_models(tmp_path_factory, tiny_translator, tiny_causal_lm)
    with registered(EchoWordsPlugin(), "echo-words-test-plugin"), \
            registered(PetsPerturbationPlugin(), "pets-test-plugin"):
        settings = DemoSettings(
            host="127.0.0.1", port=free_port(), offline=True, warm_up=False, quiet=True, runs_dir=runs,
            max_input_chars=TEST_MAX_INPUT_CHARS, max_upload_bytes=TEST_MAX_UPLOAD_BYTES, model_dirs=(models,),
        )
        demo = start(settings, session=Session(offline=True))
        try:
            yield demo
        finally:
            demo.close()


@pytest.fixture(scope="session")
def bare_demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo offline with no local model offered: translation and generation cannot run on it."""
    pytest.importorskip("gradio")
    from nlpsuite.session import Session
    from nlpsuite.web.serving import start
    from nlpsuite.web.settings import DemoSettings

    settings = DemoSettings(host="127.0.0.1", port=free_port(), offline=True, warm_up=False, quiet=True,
                            runs_dir=tmp_path_factory.mktemp("bare-demo-runs"),
                            tasks=("sentiment", "translation", "generation", "generation-reference"))
    demo = start(settings, session=Session(offline=True))
    try:
        yield demo
    finally:
        demo.close()


@pytest.fixture(scope="session")
def demo_client(demo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    gradio_client = pytest.importorskip("gradio_client")
    # analytics_enabled=False: gradio_client's telemetry is on by default, whatever the environment says
    return gradio_client.Client(demo_server.url, analytics_enabled=False, verbose=False,
                                download_files=str(tmp_path_factory.mktemp("demo-downloads")))


def call_task(client: Any, task: str, **named: Any) -> list[Any]:
    """Call a task tab's endpoint with named values (see ``TaskForm.parameter_names``)."""
    from nlpsuite.registry import get_task
    from nlpsuite.web.task_form import TaskForm
    from nlpsuite.web.task_tab import endpoint_name

    values = TaskForm(get_task(task)).values_for(named)
    return list(client.predict(*values, api_name=f"/{endpoint_name(get_task(task))}"))


def output_of(task: str, values: list[Any], kind: str) -> Any:
    """The value of the output view of ``kind`` (label, text, chips, table, interval, model, details)."""
    from nlpsuite.registry import get_task
    from nlpsuite.web.output_views import plan_outputs

    kinds = [view.kind for view in plan_outputs(get_task(task)).views]
    return values[kinds.index(kind)]


def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    configured = os.environ.get("NLPSUITE_SCREENSHOT_DIR")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("demo-screenshots")


# -- the Audit tab's data -----------------------------------------------------------------------------
#: Reviews in pairs that differ only in gendered words (he/she, father/mother, …), labelled by what they say:
#: every input has something for the gender perturbation to swap, none holds a first name.
GENDERED_REVIEWS = (
    ("He loved the film and said the ending was wonderful.", "positive"),
    ("She loved the film and said the ending was wonderful.", "positive"),
    ("My father thought the hotel was dirty and the staff rude.", "negative"),
    ("My mother thought the hotel was dirty and the staff rude.", "negative"),
    ("The man at the desk was kind and helped us at once.", "positive"),
    ("The woman at the desk was kind and helped us at once.", "positive"),
    ("His new phone broke after a week.", "negative"),
    ("Her new phone broke after a week.", "negative"),
    ("My brother enjoyed every minute of the concert.", "positive"),
    ("My sister enjoyed every minute of the concert.", "positive"),
    ("The waiter ignored him and the soup was cold.", "negative"),
    ("The waiter ignored her and the soup was cold.", "negative"),
    ("He says it is the best book he has read this year.", "positive"),
    ("She says it is the best book she has read this year.", "positive"),
    ("The boy was bored and left before the end.", "negative"),
    ("The girl was bored and left before the end.", "negative"),
    ("My uncle found the service quick and friendly.", "positive"),
    ("My aunt found the service quick and friendly.", "positive"),
    ("The king of the castle tour was a dull, overpriced guide.", "negative"),
    ("The queen of the castle tour was a dull, overpriced guide.", "negative"),
    ("Her husband praised the chef for a superb meal.", "positive"),
    ("His wife praised the chef for a superb meal.", "positive"),
    ("The actor was awful and the plot made no sense.", "negative"),
    ("The actress was awful and the plot made no sense.", "negative"),
)


def write_gendered_reviews(path: Path) -> Path:
    """:data:`GENDERED_REVIEWS` as a sentiment JSONL file (id, text, label)."""
    path.write_text("".join(json.dumps({"id": f"r{i:02d}", "text": text, "label": label}) + "\n"
                            for i, (text, label) in enumerate(GENDERED_REVIEWS)), encoding="utf-8")
    return path


PETS = {"cat": "dog", "dog": "cat"}


def _swap_pets(text: str, direction: str) -> PerturbationResult:
    source = direction.split("->")[0]
    subs = [Substitution(m.start(), m.end(), m.group(0), PETS[source])
            for m in re.finditer(rf"\b{source}\b", text)]
    out, last = [], 0
    for sub in subs:
        out += [text[last:sub.start], sub.replacement]
        last = sub.end
    return PerturbationResult("".join(out) + text[last:], subs)


class PetsPerturbationPlugin:
    """A test-only third-party perturbation: it must get its own checkbox on the Audit tab."""

    @hookimpl
    def register_perturbations(self) -> list[PerturbationSpec]:
        return [PerturbationSpec("pets", "cat and dog swapped (a test-only perturbation)", _swap_pets,
                                 directions=("cat->dog", "dog->cat"), groups=("cat", "dog"))]


def dataset_values(task: str, *, upload: Any = None, columns: dict[str, str] | None = None,
                   labels: list[list[str]] | None = None, with_labels: bool, model: str | None = None) -> list[Any]:
    """Positional values of the dataset controls (``DatasetControls.inputs``) of ``/evaluate`` and ``/audit``:
    ``columns`` maps a task field to the column of the file that holds it, as the Columns dropdowns do."""
    from nlpsuite.registry import get_task
    from nlpsuite.web.dataset_form import COLUMN_SLOTS, SAME_NAME, dataset_fields

    source = "an uploaded file" if upload is not None else "the task's sample dataset"
    names = [f.name for f in dataset_fields(get_task(task))]
    slots = [(columns or {}).get(name, SAME_NAME) if i < len(names) else SAME_NAME
             for i, name in zip(range(COLUMN_SLOTS), [*names, *[""] * COLUMN_SLOTS])]
    table = [{"headers": ["label in your file", "label the model gives"], "data": labels or [], "metadata": None}] \
        if with_labels else []
    return [task, source, upload, *slots, *table, model or ":default:"]


def audit_values(task: str, *, perturbations: list[str], upload: Any = None, columns: dict[str, str] | None = None,
                 model: str | None = None, limit: int = 0, min_inputs: int = 10, bootstrap: int = 1000,
                 seed: int = 0) -> list[Any]:
    """Positional values of the ``/audit`` endpoint."""
    return [*dataset_values(task, upload=upload, columns=columns, with_labels=False, model=model),
            perturbations, limit, min_inputs, bootstrap, seed]
