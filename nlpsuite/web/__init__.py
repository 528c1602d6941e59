"""The Gradio web demo (``nlpsuite demo``): one tab per registered task, generated from its declarations.

Modules, one job each:

* :mod:`~nlpsuite.web.settings` — what a server was started with (host, limits, safety flags, offered models);
* :mod:`~nlpsuite.web.model_choice` — which models a visitor may choose, and what each choice loads;
* :mod:`~nlpsuite.web.tab_status` — what a task's tab can do on this server, said before anyone clicks;
* :mod:`~nlpsuite.web.page_wording` — the host's words (CLI flags, paths) as the page's;
* :mod:`~nlpsuite.web.values` — typed field values to and from what UI components hold;
* :mod:`~nlpsuite.web.field_components` — the Gradio component for a declared field;
* :mod:`~nlpsuite.web.task_runner` — load (once per session) and run a task for the UI, with limits;
* :mod:`~nlpsuite.web.output_views` — how a task's declared outputs are shown, and their values;
* :mod:`~nlpsuite.web.user_errors` — every failure in the tab's output area, in the page's words;
* :mod:`~nlpsuite.web.reference_scores` — a tab's optional reference and the task's metrics against it;
* :mod:`~nlpsuite.web.task_tab` — a task's tab, from its :class:`~nlpsuite.specs.TaskSpec` alone;
* :mod:`~nlpsuite.web.tab_order` — the declared rule that orders the task tabs (the page opens on the first);
* :mod:`~nlpsuite.web.evaluation_view` / :mod:`~nlpsuite.web.evaluate_tab` — the harness in the browser;
* :mod:`~nlpsuite.web.dataset_form` / :mod:`~nlpsuite.web.dataset_controls` — an upload's columns and labels
  as a form (Evaluate, Audit);
* :mod:`~nlpsuite.web.audit_view` / :mod:`~nlpsuite.web.audit_tab` — the counterfactual audit in the browser;
* :mod:`~nlpsuite.web.app` — the Blocks app and how it is served.

Importing this package does not import gradio or torch; only building the app does.
"""
