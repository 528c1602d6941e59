"""Helpers for testing nlpsuite plugins.

* :func:`fresh_registry` — a registry built from scratch (entry points and/or given plugins);
* :func:`registered` — register a plugin object for the duration of a ``with`` block;
* :func:`check_plugin_contract` — the contract test any plugin author can run;
* ``nlpsuite.testing.fixtures`` — pytest fixtures (``pytest_plugins = ["nlpsuite.testing.fixtures"]``);
* ``nlpsuite.testing.tiny_models`` — tiny seq2seq / classifier / masked-LM models trained in seconds.
"""

from __future__ import annotations

from nlpsuite.testing.contract import check_plugin_contract, contract_problems
from nlpsuite.testing.registry import fresh_registry, registered

__all__ = ["check_plugin_contract", "contract_problems", "fresh_registry", "registered"]
