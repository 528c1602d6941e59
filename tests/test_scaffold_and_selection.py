"""`plugins new` refuses what cannot make a package; a plugin left out by NLPSUITE_LOAD_PLUGINS is named."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.test_cli_core import run_probe


@pytest.mark.parametrize("name, why", [("my.plugin", "it holds '.'"), ("sentence similarity", "it holds ' '"),
                                       ("9lives", "must start with a letter"), ("über", "it holds 'ü'")])
def test_plugins_new_refuses_names_that_make_no_valid_package(tmp_path, name, why):
    result = run_probe("plugins", "new", name, "--directory", str(tmp_path))
    assert result.returncode == 2
    assert f"{name!r} is not a valid plugin name" in result.stderr and why in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("below", ["", "sub/dir"])
def test_plugins_new_refuses_a_directory_that_is_a_file(tmp_path, below):
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder", encoding="utf-8")
    target = afile / below if below else afile
    result = run_probe("plugins", "new", "my-task", "--directory", str(target))
    assert result.returncode == 2
    assert f"{afile} is a file, not a directory" in result.stderr and "Traceback" not in result.stderr
    assert afile.read_text(encoding="utf-8") == "not a folder"


def test_a_task_of_a_plugin_left_out_by_the_selection_names_that_plugin():
    code = "import sys\nfrom nlpsuite.cli import main\nsys.exit(main(['run', '--task', 'keywords', 'some text']))\n"
    env = {**os.environ, "NLPSUITE_LOAD_PLUGINS": "", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert "task 'keywords' is provided by plugin 'keywords', which was not loaded" in result.stderr
    assert "NLPSUITE_LOAD_PLUGINS=keywords" in result.stderr
    # a name nobody provides stays "unknown"
    env_unknown = subprocess.run([sys.executable, "-c", code.replace("'keywords'", "'nonesuch'")],
                                 capture_output=True, text=True, env=env, timeout=120)
    assert env_unknown.returncode == 2 and "unknown task 'nonesuch'" in env_unknown.stderr
