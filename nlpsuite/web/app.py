"""The demo's Blocks app: one tab per registered task (in :mod:`~nlpsuite.web.tab_order`), then the tool tabs
(Evaluate, Audit)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.registry import get_tasks
from nlpsuite.specs import TaskSpec
from nlpsuite.web.settings import analytics_enabled, apply_gradio_privacy_defaults
from nlpsuite.web.task_runner import TaskRunner

TITLE = "nlpsuite demo"
CSS = """
.nlpsuite-plot h4 { margin: 0.8em 0 0.2em; }
.nlpsuite-plot svg { max-width: 100%; height: auto; }
.nlpsuite-pairs td, .nlpsuite-pairs th { vertical-align: top; padding: 0.25em 0.5em; text-align: left; }
.nlpsuite-pairs del { background: #fdd; color: inherit; }
.nlpsuite-pairs ins { background: #dfd; color: inherit; text-decoration: none; }
/* an error in a tab's output area: red-edged while it holds a message, invisible while empty */
.nlpsuite-error:has(p) { border-left: 4px solid #c0392b; background: #fdf1f0; padding: 0.5em 0.8em; }
/* table cells wrap between words, never inside one ("perturba tion"; gradio's cells break anywhere) */
.nlpsuite-table * { word-break: normal !important; overflow-wrap: normal !important; hyphens: none; }
"""

#: Tabs after the task tabs: ``builder(runner, task_names)`` renders one inside the open ``gr.Tabs``;
#: each gets the same runner (session, limits, model locks).
ToolTab = Callable[[TaskRunner, tuple[str, ...]], None]


def tool_tabs() -> list[ToolTab]:
    from nlpsuite.web.audit_tab import build_audit_tab
    from nlpsuite.web.evaluate_tab import build_evaluate_tab

    return [build_evaluate_tab, build_audit_tab]


def selected_tasks(names: Sequence[str] = ()) -> list[TaskSpec]:
    """The registered tasks to show: all in tab order when ``names`` is empty, else those named, in the
    order given; unknown names are refused."""
    from nlpsuite.web.tab_order import ordered_tasks

    tasks = get_tasks()
    if not names:
        return ordered_tasks(tasks)
    known = {t.name: t for t in tasks}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"--tasks names unknown task(s) {', '.join(unknown)}",
                         hint=f"registered tasks: {', '.join(known) or 'none'}")
    return [known[n] for n in names]


def build_app(runner: TaskRunner, tasks: Sequence[TaskSpec] | None = None) -> Any:
    """The Blocks app (not launched) for ``tasks`` (default: the server's selection)."""
    apply_gradio_privacy_defaults()
    import gradio as gr

    from nlpsuite.web.task_tab import build_task_tab

    tasks = list(tasks) if tasks is not None else selected_tasks(runner.settings.tasks)
    names = tuple(t.name for t in tasks)
    offline = " · offline: models come from this machine only" if runner.session.offline else ""
    with gr.Blocks(title=TITLE, analytics_enabled=analytics_enabled()) as blocks:
        gr.Markdown(f"## nlpsuite\nEvery task installed here, each on its own tab{offline}. "
                    "Models load on first use and are shared by everyone using this server.")
        with gr.Tabs():
            for spec in tasks:
                build_task_tab(spec, runner)
            for builder in tool_tabs():
                builder(runner, names)
    return blocks
