"""Plugin discovery through real entry points: failure isolation, strict mode, clashes, filters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlpsuite.errors import PluginError
from nlpsuite.testing import fresh_registry
from tests import fake_dists

BUILTIN_TASK = "sentiment"


def nlpsuite_cli(*args: str, pythonpath: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
    if pythonpath is not None:
        environ["PYTHONPATH"] = os.pathsep.join([str(pythonpath), environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "nlpsuite", *args], capture_output=True, text=True, env=environ, timeout=300
    )


@pytest.fixture
def broken_dist(tmp_path: Path) -> Path:
    return fake_dists.write_plugin_dist(
        tmp_path / "site", "nlpsuite-broken", "broken", "nlpsuite_broken", fake_dists.BROKEN_ON_IMPORT
    )


def test_broken_plugin_is_listed_as_failed_and_the_rest_keeps_working(broken_dist: Path):
    listed = nlpsuite_cli("plugins", "--json", pythonpath=broken_dist)
    assert listed.returncode == 0, listed.stderr
    plugins = {p["name"]: p for p in json.loads(listed.stdout)}
    assert plugins["broken"]["status"] == "failed"
    assert "libfoo" in plugins["broken"]["error"]
    assert plugins["broken"]["distribution"] == "nlpsuite-broken"
    assert plugins[BUILTIN_TASK]["status"] == "loaded"

    ran = nlpsuite_cli("run", "--task", BUILTIN_TASK, "what a lovely day", pythonpath=broken_dist)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["prediction"]["label"] == "positive"


def test_strict_mode_makes_a_broken_plugin_fatal(broken_dist: Path):
    result = nlpsuite_cli("tasks", pythonpath=broken_dist, NLPSUITE_STRICT_PLUGINS="1")
    assert result.returncode != 0
    assert "broken" in result.stderr and "libfoo" in result.stderr
    assert "Traceback" not in result.stderr


def test_load_plugins_filter_skips_unlisted_third_party(broken_dist: Path):
    result = nlpsuite_cli("plugins", "--json", pythonpath=broken_dist, NLPSUITE_LOAD_PLUGINS="")
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["broken"]["status"] == "skipped"
    assert all(p["status"] == "loaded" for p in plugins.values() if p["builtin"])


def _registry_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, name: str):
    """A registry with one fake third-party dist; each test uses its own module name (sys.modules caches them)."""
    site = fake_dists.write_plugin_dist(tmp_path / name, f"nlpsuite-{name}", name, f"nlpsuite_{name}", source)
    monkeypatch.syspath_prepend(str(site))
    return fresh_registry()


def test_invalid_spec_marks_only_that_plugin_failed(tmp_path, monkeypatch):
    with _registry_with(tmp_path, monkeypatch, fake_dists.INVALID_SPEC, "invalid") as registry:
        info = registry.host.plugins["invalid"]
        assert info.status == "failed"
        assert "returned str, expected TaskSpec" in info.error
        assert BUILTIN_TASK in registry.entries["tasks"]


def test_name_clash_names_both_plugins(tmp_path, monkeypatch):
    source = fake_dists.CLASHING_TASK.replace("{task}", BUILTIN_TASK)
    with _registry_with(tmp_path, monkeypatch, source, "impostor") as registry:
        assert registry.host.plugins["impostor"].status == "failed"
        error = registry.host.plugins["impostor"].error
        assert f"task '{BUILTIN_TASK}' is registered by both plugin '{BUILTIN_TASK}' and plugin 'impostor'" in error
        assert registry.entries["tasks"][BUILTIN_TASK].plugin == BUILTIN_TASK


def test_misspelt_hook_is_caught_in_strict_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="register_taks"):
        with _registry_with(tmp_path, monkeypatch, fake_dists.MISSPELT_HOOK, "misspelt"):
            pass


def test_third_party_plugin_registers_through_the_same_group(tmp_path, monkeypatch):
    with _registry_with(tmp_path, monkeypatch, fake_dists.GOOD_PLUGIN, "echo") as registry:
        assert registry.entries["tasks"]["echo-thirdparty"].plugin == "echo"
        assert registry.host.plugins["echo"].hooks == ["register_tasks"]
        assert registry.host.plugins["echo"].distribution == "nlpsuite-echo"


def test_installed_plugins_implement_only_known_hooks(nlpsuite_registry):
    nlpsuite_registry.host.check_pending()
    failed = {p.name: p.error for p in nlpsuite_registry.host.plugins.values() if p.status != "loaded"}
    assert failed == {}


def test_every_builtin_is_discovered_through_entry_points(nlpsuite_registry):
    builtin = {p.name for p in nlpsuite_registry.host.plugins.values() if p.builtin}
    assert {"embedded", "summarization", "translation", "classification", "sentiment", "bias", "generation", "metrics"} <= builtin


def test_a_plugin_that_prints_cannot_corrupt_json_output(tmp_path):
    site = fake_dists.write_plugin_dist(tmp_path / "site", "nlpsuite-chatty", "chatty", "nlpsuite_chatty",
                                        fake_dists.PRINTS_ON_IMPORT)
    listed = nlpsuite_cli("plugins", "--json", pythonpath=site)
    plugins = {p["name"]: p for p in json.loads(listed.stdout)}  # stdout is JSON only
    assert plugins["chatty"]["status"] == "loaded"
    assert "hello from a chatty plugin" in listed.stderr and "registering!" in listed.stderr


@pytest.mark.parametrize(("source", "expected"), [
    (fake_dists.EXITS_ON_IMPORT, "failed to load: SystemExit: this plugin quits the interpreter"),
    (fake_dists.EXITS_IN_HOOK, "register_tasks raised SystemExit: 3"),
])
def test_a_plugin_that_exits_is_listed_as_failed_and_the_host_carries_on(tmp_path, monkeypatch, source, expected):
    name = "quitter" if "import" in expected else "hookquitter"
    with _registry_with(tmp_path, monkeypatch, source, name) as registry:
        assert registry.host.plugins[name].status == "failed"
        assert expected in registry.host.plugins[name].error
        assert registry.entries["tasks"][BUILTIN_TASK].plugin == BUILTIN_TASK


def test_an_entry_point_that_shadows_a_builtin_name_is_refused_naming_both(tmp_path, monkeypatch):
    with _registry_with(tmp_path, monkeypatch, fake_dists.GOOD_PLUGIN.replace("echo-thirdparty", "shadow-task"),
                        BUILTIN_TASK) as registry:
        shadow = registry.host.plugins[f"nlpsuite-{BUILTIN_TASK}:{BUILTIN_TASK}"]
        assert shadow.status == "failed"
        assert f"has the name of plugin {BUILTIN_TASK!r} from nlpsuite" in shadow.error
        assert registry.host.plugins[BUILTIN_TASK].builtin and "shadow-task" not in registry.entries["tasks"]
