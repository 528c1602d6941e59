"""Helpers for testing nlpsuite plugins.

* :func:`fresh_registry` — a registry built from scratch (entry points and/or given plugins);
* :func:`registered` — register a plugin object for the duration of a ``with`` block;
* :func:`check_plugin_contract` — the contract test any plugin author can run;
* ``nlpsuite.testing.fixtures`` — pytest fixtures (``pytest_plugins = ["nlpsuite.testing.fixtures"]``);
* ``nlpsuite.testing.tiny_seq2seq``, ``tiny_classifier``, ``tiny_masked_lm`` — tiny models trained in
  seconds that load back through the normal model path.
"""

from __future__ import annotations

from nlpsuite.testing.contract import check_plugin_contract, contract_problems
from nlpsuite.testing.registry import fresh_registry, registered

__all__ = ["check_plugin_contract", "contract_problems", "fresh_registry", "registered"]
