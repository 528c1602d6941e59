"""The example third-party plugin (plugins/nlpsuite-keywords), installed as its own distribution,
and the plugin example in the README, run as written."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

from nlpsuite.runtime import load_task
from nlpsuite.testing import check_plugin_contract, registered

README = Path(__file__).resolve().parents[1] / "README.md"


def test_example_plugin_is_discovered_as_third_party(nlpsuite_registry):
    info = nlpsuite_registry.host.plugins.get("keywords")
    assert info is not None, "plugins/nlpsuite-keywords is not installed (the Makefile installs it)"
    assert info.status == "loaded" and not info.builtin
    assert info.distribution == "nlpsuite-keywords"


def test_example_plugin_keeps_the_contract():
    nlpsuite_keywords = pytest.importorskip("nlpsuite_keywords")
    check_plugin_contract(nlpsuite_keywords)


def test_example_plugin_runs_offline_on_the_embedded_model():
    task = load_task("keywords", notify=lambda _m: None)
    assert task.model.fallback and task.model.name == "all-MiniLM-L6-v2 (embedded)"
    text = "The violin and the cello played a slow duet while the orchestra waited."
    (output,) = task.predict([{"text": text}])
    assert output["keywords"] and len(output["keywords"]) <= 5
    assert all(k.split()[0] in text.lower() for k in output["keywords"])
    assert len(set(output["keywords"])) == len(output["keywords"])
    assert output["scores"][0] == max(output["scores"])  # MMR's first pick is the most relevant phrase


def readme_plugin_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    (example,) = [b for b in blocks if "@hookimpl" in b]
    return example


def test_readme_plugin_example_works_as_written():
    module = types.ModuleType("nlpsuite_wordcount")
    exec(compile(readme_plugin_example(), "README.md", "exec"), module.__dict__)
    check_plugin_contract(module, name="wordcount")
    with registered(module, "wordcount"):
        task = load_task("wordcount", model="all-MiniLM-L6-v2")
        assert task.predict([{"text": "three little words"}, {"text": "  "}]) == [
            {"count": 3},
            {"error": "field 'text' is empty"},
        ]
