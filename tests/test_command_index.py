"""``nlpsuite --help`` from the recorded command list: same text, no plugin loaded, never stale after an install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nlpsuite.cli import command_index
from tests.fake_dists import BROKEN_ON_IMPORT, write_plugin_dist

HELP_PROBE = """
import sys
from nlpsuite.cli import main
try:
    code = main(["--help"])
except SystemExit as exit:  # the full build's argparse exits after printing help
    code = exit.code
print("LOADED=" + ",".join(m for m in ("pluggy", "importlib.metadata", "nlpsuite.plugin_manager") if m in sys.modules),
      file=sys.stderr)
sys.exit(code)
"""

COMMAND_PLUGIN = """
from nlpsuite import CommandSpec, hookimpl

@hookimpl
def register_commands():
    return [CommandSpec(name="shout", help="print TEXT in capitals", configure=lambda parser: None,
                        run=lambda args: 0)]
"""


def help_run(cache: Path, pythonpath: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "NLPSUITE_CACHE_DIR": str(cache), **env}
    if pythonpath is not None:
        environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(pythonpath), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-c", HELP_PROBE], capture_output=True, text=True, env=environment,
                          timeout=120)


def loaded(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.rsplit("LOADED=", 1)[1].strip()


def test_help_from_the_record_is_the_full_help_and_loads_no_plugin(tmp_path):
    first = help_run(tmp_path)  # no record yet: the full build, which writes it
    assert first.returncode == 0, first.stderr
    assert "pluggy" in loaded(first)
    assert (tmp_path / command_index.RECORD_FILE).is_file()
    second = help_run(tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert "bias" in second.stdout  # a plugin command, from the record
    assert loaded(second) == ""


def test_installing_a_plugin_with_a_command_is_seen_at_once(tmp_path):
    cache = tmp_path / "cache"
    assert help_run(cache).returncode == 0
    site = write_plugin_dist(tmp_path / "site", "nlpsuite-shout", "shout", "nlpsuite_shout", COMMAND_PLUGIN)
    result = help_run(cache, site)
    assert result.returncode == 0, result.stderr
    assert "shout" in result.stdout and "print TEXT in capitals" in result.stdout
    assert "pluggy" in loaded(result)  # the fingerprint changed: the full build ran
    again = help_run(cache, site)
    assert again.stdout == result.stdout and loaded(again) == ""


def test_a_broken_plugin_keeps_help_on_the_full_build(tmp_path):
    # nothing is recorded from a build with a failed plugin, so a fix (or `nlpsuite plugins`) is seen at once
    site = write_plugin_dist(tmp_path / "site", "nlpsuite-broken", "broken", "nlpsuite_broken", BROKEN_ON_IMPORT)
    for _ in range(2):
        result = help_run(tmp_path / "cache", site)
        assert result.returncode == 0, result.stderr
        assert "pluggy" in loaded(result)
    assert not (tmp_path / "cache" / command_index.RECORD_FILE).exists()


def test_tracing_and_plugin_selection_are_honoured(tmp_path):
    assert help_run(tmp_path).returncode == 0
    traced = help_run(tmp_path, NLPSUITE_TRACE_PLUGINS="1")
    assert "nlpsuite: trace:" in traced.stderr
    builtins_only = help_run(tmp_path, NLPSUITE_LOAD_PLUGINS="")
    assert "pluggy" in loaded(builtins_only)  # another selection: another fingerprint


def test_fingerprint_follows_distributions_that_declare_nlpsuite_entry_points(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    before = command_index.fingerprint()
    other = site / "other_tool-1.0.dist-info"
    other.mkdir()
    (other / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n", encoding="utf-8")
    assert command_index.fingerprint() == before
    write_plugin_dist(site, "nlpsuite-shout", "shout", "nlpsuite_shout", COMMAND_PLUGIN)
    assert command_index.fingerprint() != before


def test_an_unreadable_or_foreign_record_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path))
    command_index.remember([("run", "run a task")], healthy=True)
    assert command_index.recorded_commands() == [("run", "run a task")]
    (tmp_path / command_index.RECORD_FILE).write_text("{not json", encoding="utf-8")
    assert command_index.recorded_commands() is None
    command_index.remember([("run", "run a task")], healthy=False)
    assert not (tmp_path / command_index.RECORD_FILE).exists()
