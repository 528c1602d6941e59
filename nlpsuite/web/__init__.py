"""The Gradio web demo (``nlpsuite demo``): one tab per registered task, generated from its declarations.

Modules, one job each:

* :mod:`~nlpsuite.web.settings` — what a server was started with (host, limits, safety flags);
* :mod:`~nlpsuite.web.values` — typed field values to and from what UI components hold;
* :mod:`~nlpsuite.web.field_components` — the Gradio component for a declared field;
* :mod:`~nlpsuite.web.task_runner` — load (once per session) and run a task for the UI, with limits;
* :mod:`~nlpsuite.web.output_views` — how a task's declared outputs are shown, and their values;
* :mod:`~nlpsuite.web.user_errors` — every failure as a readable message, never a traceback;
* :mod:`~nlpsuite.web.task_tab` — a task's tab, from its :class:`~nlpsuite.specs.TaskSpec` alone;
* :mod:`~nlpsuite.web.tab_order` — the declared rule that orders the task tabs (the page opens on the first);
* :mod:`~nlpsuite.web.evaluation_view` / :mod:`~nlpsuite.web.evaluate_tab` — the harness in the browser;
* :mod:`~nlpsuite.web.audit_view` / :mod:`~nlpsuite.web.audit_tab` — the counterfactual audit in the browser;
* :mod:`~nlpsuite.web.app` — the Blocks app and how it is served.

Importing this package does not import gradio or torch; only building the app does.
"""
