"""`nlpsuite plugins new`: the generated package installs, passes its own tests and runs from the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from nlpsuite.cli import main
from nlpsuite.scaffold import plugin_names

ALL_HOOKS = "tasks,metrics,datasets,perturbations,commands"


def fresh_venv(root: Path) -> Path:
    """A new virtualenv that sees this environment's packages (nlpsuite from the checkout, torch, …)
    through a site directory, but installs into its own site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    own_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    base = sysconfig.get_paths()["purelib"]
    Path(own_site, "nlpsuite-base.pth").write_text(f"import site; site.addsitedir({base!r})\n", encoding="utf-8")
    return python


@pytest.mark.slow
def test_scaffolded_plugin_installs_passes_its_tests_and_runs(tmp_path):
    assert main(["plugins", "new", "sentence-similarity", "--hooks", ALL_HOOKS, "--directory", str(tmp_path)]) == 0
    package = tmp_path / "nlpsuite-sentence-similarity"
    assert {p.name for p in package.iterdir()} == {"pyproject.toml", "nlpsuite_sentence_similarity.py", "tests",
                                                    "README.md"}
    python = fresh_venv(tmp_path / "venv")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-build-isolation", "-e", str(package)], check=True, env=env, capture_output=True)

    tests = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=package,
                           env=env, capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "7 passed" in tests.stdout

    listed = subprocess.run([str(python), "-m", "nlpsuite", "plugins", "--json"], env=env, capture_output=True,
                            text=True, timeout=300)
    plugin = {p["name"]: p for p in json.loads(listed.stdout)}["sentence-similarity"]
    assert plugin["status"] == "loaded" and plugin["api_version"] == "1.0" and plugin["api_compatible"] is True
    assert plugin["distribution"] == "nlpsuite-sentence-similarity"

    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"text_a": "A cat sleeps.", "text_b": "A cat is sleeping."}) + "\n", encoding="utf-8")
    ran = subprocess.run([str(python), "-m", "nlpsuite", "run", "--task", "sentence_similarity", "--offline", "--quiet",
                          "--input", str(pairs)], env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["prediction"]["label"] == "similar"


def test_scaffold_refuses_a_name_an_installed_plugin_has(tmp_path, capsys):
    assert main(["plugins", "new", "sentiment", "--directory", str(tmp_path)]) == 2
    assert "would clash with 'sentiment'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["bad name!", "trailing-", "", "nlpsuite-"])
def test_scaffold_refuses_names_that_are_not_distribution_names(tmp_path, capsys, name):
    assert main(["plugins", "new", name, "--directory", str(tmp_path)]) == 2
    assert "is not a valid plugin name" in capsys.readouterr().err


def test_scaffold_refuses_an_unknown_hook_and_an_existing_folder(tmp_path, capsys):
    assert main(["plugins", "new", "demo-x", "--hooks", "tasks,widgets", "--directory", str(tmp_path)]) == 2
    assert "unknown hook 'widgets'" in capsys.readouterr().err
    assert main(["plugins", "new", "demo-x", "--directory", str(tmp_path)]) == 0
    assert main(["plugins", "new", "demo-x", "--directory", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_plugin_names_follow_the_packaging_conventions():
    assert plugin_names("My-Task") == ("my-task", "nlpsuite-my-task", "nlpsuite_my_task")
    assert plugin_names("nlpsuite-topics") == ("topics", "nlpsuite-topics", "nlpsuite_topics")
