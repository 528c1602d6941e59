"""Parse a model reference: a registered name, a local directory, or a hub id (``id@revision``)."""

from __future__ import annotations

import re
from pathlib import Path

from nlpsuite.errors import InputError, UsageError
from nlpsuite.registry import find_model_spec
from nlpsuite.specs import ModelRequest

__all__ = ["ModelRequest", "parse_model_reference"]

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def parse_model_reference(reference: str) -> ModelRequest:
    """Turn what a user or task named into a :class:`ModelRequest` (no network, no loading)."""
    ref = reference.strip()
    if not ref:
        raise UsageError("the model reference is empty", hint="pass --model with a hub id, a directory or a registered name")
    spec = find_model_spec(ref)
    if spec is not None:
        from nlpsuite.models.integrity import registered_model_path

        return ModelRequest(reference=ref, kind="registered", source=str(registered_model_path(spec)), spec=spec)
    path = Path(ref).expanduser()
    if path.exists():
        if not path.is_dir():
            raise InputError(
                f"model path {ref!r} is a file, not a model directory",
                hint="pass the directory that holds config.json and the weights",
            )
        return ModelRequest(reference=ref, kind="local", source=str(path.resolve()))
    if ref.startswith((".", "/", "~")) or "\\" in ref or ref.count("/") > 1:
        raise InputError(
            f"model directory {ref!r} does not exist",
            hint="check the path, or pass a hub id such as 'org/model' or a name from `nlpsuite models`",
        )
    hub_id, _, revision = ref.partition("@")
    if not HUB_ID.match(hub_id) or (ref.count("@") > 1) or ("@" in ref and not revision):
        raise UsageError(
            f"{ref!r} is not a model reference nlpsuite understands",
            hint="use a hub id ('org/model' or 'org/model@revision'), a local directory, or a name from `nlpsuite models`",
        )
    return ModelRequest(reference=ref, kind="hub", source=hub_id, revision=revision or None)


def refuse_two_readings(reference: str) -> None:
    """Refuse a model reference the user gave that names a local directory and also a registered model or a
    hub id (``./org/model`` beside ``org/model``), naming both: which one loads must not depend on the
    working directory."""
    ref = reference.strip()
    path = Path(ref).expanduser()
    if not ref or ref.startswith((".", "/", "~")) or not path.is_dir():
        return
    if find_model_spec(ref) is not None:
        other = f"the registered model {ref!r}"
    elif "/" in ref and HUB_ID.match(ref.partition("@")[0]):
        # org/name only: a plain name given as --model is, as ever, the directory of that name
        other = f"the hub model {ref!r}"
    else:
        return
    raise UsageError(
        f"--model {ref!r} could be read two ways: as the local directory {str(path.resolve())!r} or as {other}",
        hint=f"write ./{ref} for the directory; to use the other, run from a directory without {ref!r} in it",
    )
