"""The plugin guide (docs/writing-plugins.md) runs as written, and covers every hook of the contract."""

from __future__ import annotations

import re
from pathlib import Path

from nlpsuite import hookspecs

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "writing-plugins.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks() -> list[str]:
    return BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


def test_every_hook_has_a_section_with_a_working_example():
    text = GUIDE.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    for hook in hookspecs.REGISTRATION_HOOKS:
        section = next((s for s in sections if s.startswith(f"`{hook}`")), None)
        assert section is not None, f"docs/writing-plugins.md has no section for {hook}"
        assert f"def {hook}(" in section and "```python" in section, f"the {hook} section shows no implementation"


def test_the_guide_code_runs_as_written(tmp_path, monkeypatch):
    """All Python blocks, in order, as one module: the plugin is built, checked and run through every front end."""
    blocks = python_blocks()
    assert len(blocks) >= 8, f"only {len(blocks)} code blocks found"
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))
    namespace: dict[str, object] = {"__name__": "nlpsuite_readability"}
    exec(compile("\n".join(blocks), str(GUIDE), "exec"), namespace)  # noqa: S102 - our own documentation
