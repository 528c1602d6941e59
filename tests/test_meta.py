"""Project meta-tests: the packaging list is complete, the contract is documented."""

from __future__ import annotations

import importlib
import inspect
import tomllib
from pathlib import Path

import pytest

from nlpsuite import hookspecs
from nlpsuite.testing import check_plugin_contract

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_listed_for_installation():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = set()
    for import_root, folder in config["package-dir"].items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            relative = init.parent.relative_to(base).parts
            on_disk.add(".".join((import_root, *relative)))
    missing = sorted(on_disk - listed)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_nothing_installs_a_bare_plugins_or_evaluation_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert all(name == "nlpsuite" or name.startswith("nlpsuite.") for name in config["packages"])


def test_every_hook_has_a_docstring_and_is_listed():
    specs = {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("register_")}
    assert specs == set(hookspecs.REGISTRATION_HOOKS)
    for name in specs:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), f"hook {name} has no docstring"


BUILTIN_PLUGINS = ["embedded", "summarization", "translation", "classification", "sentiment", "bias", "generation", "metrics"]


@pytest.mark.parametrize("name", BUILTIN_PLUGINS)
def test_builtin_plugin_keeps_the_contract(name, nlpsuite_registry):
    """Every built-in plugin passes the same contract test a third-party author runs."""
    entry_point = nlpsuite_registry.host.plugins[name].module
    check_plugin_contract(importlib.import_module(entry_point), name=name)
