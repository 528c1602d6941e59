"""Serve the demo: one session per server, a bounded queue, size limits, loopback unless told otherwise."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlpsuite.session import Session
from nlpsuite.web.settings import DemoSettings, apply_gradio_privacy_defaults
from nlpsuite.web.task_runner import TaskRunner

#: Requests waiting at once, over all tabs; more are told the queue is full.
MAX_QUEUE = 256


@dataclass
class RunningDemo:
    """A launched demo: its URL, session and runner; ``close()`` stops the server."""

    blocks: Any
    url: str
    runner: TaskRunner

    @property
    def session(self) -> Session:
        return self.runner.session

    def close(self) -> None:
        self.blocks.close()
        self.runner.close()

    def wait(self) -> None:
        self.blocks.block_thread()


def start(settings: DemoSettings, *, session: Session | None = None, block: bool = False) -> RunningDemo:
    """Build and launch the app for ``settings``; with ``block`` serve until interrupted."""
    apply_gradio_privacy_defaults()
    from nlpsuite.web.app import build_app, selected_tasks

    tasks = selected_tasks(settings.tasks)  # unknown names are refused before gradio loads
    set_model_threads(model_threads(settings))
    session = session or Session(offline=settings.offline)
    runner = TaskRunner(session, settings)
    blocks = build_app(runner, tasks)
    blocks.queue(default_concurrency_limit=settings.concurrency, max_size=MAX_QUEUE)
    runs_dir = Path(settings.runs_dir).resolve()
    runs_dir.mkdir(parents=True, exist_ok=True)
    _, url, share_url = blocks.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=settings.share,
        prevent_thread_lock=True,
        quiet=settings.quiet,
        max_file_size=settings.max_upload_bytes,
        allowed_paths=[str(runs_dir)],  # the Evaluate tab's results.json and report.html
        footer_links=["api", "settings"],
        run_history=False,  # its page offers to save runs to a hub bucket
        mcp_server=False,
        ssr_mode=False,  # no Node process
        pwa=False,
        enable_monitoring=False,
        # handlers raise gr.Error with readable messages; this passes on the one-line message (never a
        # traceback) of what fails before a handler runs, e.g. a value a component cannot take
        show_error=True,
        css=_css(),
    )
    if settings.warm_up:
        threading.Thread(target=runner.warm_up, args=(tasks,), name="nlpsuite-warm-up", daemon=True).start()
    if not settings.quiet and share_url:
        print(f"nlpsuite demo: public link {share_url} (anyone with it can use this server)", file=sys.stderr)
    demo = RunningDemo(blocks=blocks, url=url, runner=runner)
    if block:
        try:
            demo.wait()
        finally:
            demo.close()
    return demo


def model_threads(settings: DemoSettings) -> int:
    """Threads a forward pass may use: all cores but one unless the operator says otherwise.

    The web server handles every request's HTTP, queueing and output in one event loop; when torch's
    threads take every core they spin against it, and on 2 cores 16 users were answered 72 requests/s
    with one model thread against 56 with two (benchmarks/demo_load.py).
    """
    return settings.model_threads or max(1, (os.cpu_count() or 2) - 1)


def set_model_threads(threads: int) -> None:
    # once, as the server starts (the process serves nothing else), never per request
    try:
        import torch
    except ImportError:  # a server of ONNX-only models
        return
    torch.set_num_threads(threads)


def _css() -> str:
    from nlpsuite.web.app import CSS

    return CSS
