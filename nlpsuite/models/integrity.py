"""SHA-256 checks of registered models' files, once per process."""

from __future__ import annotations

import threading
from pathlib import Path

from nlpsuite.errors import ModelIntegrityError, ModelUnavailableError
from nlpsuite.models.content_hash import full_sha256
from nlpsuite.specs import ModelSpec

_verified: dict[str, Path] = {}
_lock = threading.Lock()


def file_sha256(path: Path) -> str:
    """SHA-256 of every byte of ``path``: the check a registered model's published hashes are held to."""
    return full_sha256(path)


def registered_model_path(spec: ModelSpec) -> Path:
    """The verified local directory of a registered model."""
    with _lock:
        if spec.name in _verified:
            return _verified[spec.name]
        try:
            root = Path(spec.path())
        except ImportError as exc:
            raise ModelUnavailableError(
                f"model {spec.name!r} is not installed: {exc}",
                hint="install the package that ships it (see `nlpsuite models`)",
            ) from exc
        if not root.is_dir():
            raise ModelUnavailableError(f"model {spec.name!r}: directory {root} does not exist")
        for relative, expected in spec.sha256.items():
            target = root / relative
            if not target.is_file():
                raise ModelIntegrityError(f"model {spec.name!r}: expected file {target} is missing")
            actual = file_sha256(target)
            if actual != expected.lower():
                raise ModelIntegrityError(
                    f"model {spec.name!r}: {relative} has SHA-256 {actual}, expected {expected}",
                    hint="reinstall the package that ships the model; the files were changed or corrupted",
                )
        _verified[spec.name] = root
        return root
