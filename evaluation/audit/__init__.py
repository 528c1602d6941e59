"""Counterfactual bias audits of any task's outputs (``nlpsuite audit``).

:func:`run_audit` resolves a dataset as the harness does, makes counterfactual
variants with registered perturbations (:mod:`.counterfactuals`), runs the task
on originals and variants through ``load_task`` and the prediction cache, and
compares them with the comparators the task's declared output types call for
(:mod:`.comparators`, :mod:`.statistics`); :mod:`.report` writes the reports.
"""

from nlpsuite.evaluation.audit.engine import AuditOutcome, AuditRequest, run_audit

__all__ = ["AuditOutcome", "AuditRequest", "run_audit"]
