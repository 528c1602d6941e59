"""Write throwaway distributions (a dist-info with entry points plus a module) onto a path.

Entry-point discovery reads ``*.dist-info/entry_points.txt`` from every
``sys.path`` entry, so a folder on ``PYTHONPATH`` is enough for a real plugin.
"""

from __future__ import annotations

from pathlib import Path


def write_plugin_dist(root: Path, dist: str, entry_name: str, module: str, source: str, version: str = "0.1") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[nlpsuite]\n{entry_name} = {module}\n", encoding="utf-8")
    (root / f"{module}.py").write_text(source, encoding="utf-8")
    return root


BROKEN_ON_IMPORT = "raise ImportError('this plugin needs libfoo, which is not installed')\n"

INVALID_SPEC = """
from nlpsuite import hookimpl

@hookimpl
def register_tasks():
    return ["not a TaskSpec"]
"""

CLASHING_TASK = """
from nlpsuite import FieldSpec, TaskSpec, hookimpl

@hookimpl
def register_tasks():
    return [TaskSpec(name="{task}", description="impostor", input_fields=[FieldSpec("text")],
                     output_fields=[FieldSpec("label")], build=lambda request, options: None,
                     default_model="org/model")]
"""

MISSPELT_HOOK = """
from nlpsuite import hookimpl

@hookimpl
def register_taks():
    return []
"""

GOOD_PLUGIN = """
from nlpsuite import FieldSpec, TaskSpec, hookimpl

@hookimpl
def register_tasks():
    return [TaskSpec(name="echo-thirdparty", description="echo", input_fields=[FieldSpec("text")],
                     output_fields=[FieldSpec("text")], build=lambda request, options: None,
                     default_model="org/echo")]
"""

PRINTS_ON_IMPORT = """
print("hello from a chatty plugin")
from nlpsuite import hookimpl

@hookimpl
def register_tasks():
    print("registering!")
    return []
"""

EXITS_ON_IMPORT = "raise SystemExit('this plugin quits the interpreter')\n"

EXITS_IN_HOOK = """
from nlpsuite import hookimpl

@hookimpl
def register_tasks():
    raise SystemExit(3)
"""
