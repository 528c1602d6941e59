"""Counterfactual bias audits of any task."""
