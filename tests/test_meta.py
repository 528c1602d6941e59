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


def _listed_and_found(pattern: str, keep=lambda relative: True) -> tuple[set[str], set[str]]:
    """The packages pyproject.toml lists, and the import names of the folders holding files matching ``pattern``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = set()
    for import_root, folder in config["package-dir"].items():
        base = ROOT / folder
        for path in base.rglob(pattern):
            relative = path.parent.relative_to(base).parts
            if path.is_file() and keep(relative):
                found.add(".".join((import_root, *relative)))
    return set(config["packages"]), found


def test_every_python_package_is_listed_for_installation():
    listed, on_disk = _listed_and_found("__init__.py")
    missing = sorted(on_disk - listed)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_every_folder_of_shipped_files_is_a_declared_package():
    # an undeclared data folder is still shipped by setuptools, but every build warns about it (~290 lines)
    listed, holding_files = _listed_and_found(
        "*", keep=lambda relative: not any(p == "__pycache__" or p.endswith(".egg-info") or "-" in p for p in relative))
    assert sorted(holding_files - listed) == []


@pytest.mark.slow
def test_building_the_wheel_warns_about_no_undeclared_package(tmp_path):
    import subprocess
    import sys

    import shutil

    # built from a copy: setuptools leaves build/ beside the sources it builds
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("nlpsuite", "plugins", "evaluation"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
                            str(source), "-w", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    log = built.stdout + built.stderr
    assert "absent from the `packages` configuration" not in log
    import zipfile

    names = zipfile.ZipFile(next(tmp_path.glob("nlpsuite-*.whl"))).namelist()
    assert "nlpsuite/plugins/sentiment/data/sentiment-sample.jsonl" in names


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


#: The typed host function through which front ends consume each hook's specs.
HOOK_CONSUMERS = {
    "register_tasks": "get_task",
    "register_models": "find_model_spec",
    "register_metrics": "get_metric",
    "register_datasets": "find_dataset",
    "register_perturbations": "get_perturbation",
    "register_commands": "get_commands",
}
SOURCE_DIRS = ("nlpsuite", "evaluation", "plugins")


def _source_text(folders: tuple[str, ...], exclude: tuple[str, ...] = ()) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name not in exclude
    )


def test_every_hook_has_a_consumer_and_a_test():
    """As datasette's test_plugin_hooks_have_tests: a hook nobody consumes or tests is a promise nobody keeps."""
    assert set(HOOK_CONSUMERS) == set(hookspecs.REGISTRATION_HOOKS)
    consumers = _source_text(SOURCE_DIRS, exclude=("registry.py",))
    tests = _source_text(("tests",), exclude=("test_meta.py",))
    for hook, consumer in HOOK_CONSUMERS.items():
        assert f"{consumer}(" in consumers, f"no front end consumes {hook} (through {consumer})"
        assert f"def {hook}(" in tests, f"no test implements {hook}"


def _builtin_tasks() -> list:
    from nlpsuite.registry import get_registry

    registry = get_registry()
    return [e.spec for e in registry.entries["tasks"].values() if registry.host.plugins[e.plugin].builtin]


def test_every_declared_argument_and_output_field_of_a_builtin_task_is_exercised():
    """Each argument a built-in task declares is passed, and each output field read, by some test."""
    tests = _source_text(("tests",), exclude=("test_meta.py",))
    unexercised = []
    for spec in _builtin_tasks():
        for argument in spec.arguments:
            if not any(form in tests for form in (f"{argument.name}=", f'"{argument.name}":', f"'{argument.name}':")):
                unexercised.append(f"{spec.name} argument {argument.name}")
        for field in spec.output_fields:
            if f'["{field.name}"]' not in tests and f"'{field.name}'" not in tests and f'"{field.name}"' not in tests:
                unexercised.append(f"{spec.name} output field {field.name}")
    assert not unexercised, f"no test exercises: {unexercised}"
