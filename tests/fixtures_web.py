"""One running demo server per test session, on 127.0.0.1 and a free port, shared by the web tests.

The server is built with a third-party task registered only here
(:mod:`tests.web_plugin`), so the tests can check that it gets its own tab.
The registry swap lasts while the server runs (its handlers look tasks up);
the web test modules sort after every other test module, so nothing else sees it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Characters a request may carry in the test server (small, so the cap is testable).
TEST_MAX_INPUT_CHARS = 5_000
TEST_MAX_UPLOAD_BYTES = 64 * 1024


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pytest.importorskip("gradio")
    from nlpsuite.session import Session
    from nlpsuite.testing import registered
    from nlpsuite.web.serving import start
    from nlpsuite.web.settings import DemoSettings
    from tests.web_plugin import EchoWordsPlugin

    runs = tmp_path_factory.mktemp("demo-runs")
    with registered(EchoWordsPlugin(), "echo-words-test-plugin"):
        settings = DemoSettings(
            host="127.0.0.1", port=free_port(), offline=True, warm_up=False, quiet=True, runs_dir=runs,
            max_input_chars=TEST_MAX_INPUT_CHARS, max_upload_bytes=TEST_MAX_UPLOAD_BYTES,
        )
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
