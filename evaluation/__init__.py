"""The evaluation harness (import name ``nlpsuite.evaluation``)."""
