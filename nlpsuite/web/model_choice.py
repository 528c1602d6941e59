"""Which models a visitor may choose, and what each choice loads: the operator decides, the page only picks.

A visitor picks from

* the task's default (with its embedded fallback);
* models registered for the task (``nlpsuite models``);
* local models the operator offered with ``--model-dir DIR`` (repeatable): ``DIR`` itself when it holds a
  model, else each model directory directly inside it, listed under its folder name;
* typed hub ids (``org/name`` or ``org/name@revision``), only when the server is online and the operator
  passed ``--allow-hub-models``.

Anything else is refused with the same message whatever it is, and nothing a visitor types is ever looked up
on the server's disk: a typed path cannot tell a visitor whether it exists.  Local models are found once,
when the server starts, and are shown by their folder name, never by their path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlpsuite.errors import UsageError
from nlpsuite.registry import find_model_spec, get_models
from nlpsuite.specs import TaskSpec

#: The chooser's value meaning "the task's default model (with its embedded fallback)".
DEFAULT_MODEL_CHOICE = ":default:"
#: Values of local models start with this, so a folder name never reads as a hub id or registered name.
LOCAL_PREFIX = "local:"
#: Files one of which a model directory holds (transformers / sentence-transformers, CTranslate2).
MODEL_MARKERS = ("config.json", "model.bin")
#: Registered model kinds that do not generate text: generation settings do not apply to them.
NON_GENERATING_KINDS = ("sentence-transformer",)
#: Characters of a refused choice echoed back (a visitor's own text, cut short).
ECHO_CHARS = 60


@dataclass(frozen=True)
class LocalModel:
    """A model directory the operator offered: ``label`` is all a visitor ever sees of it."""

    label: str
    path: Path

    @property
    def value(self) -> str:
        return LOCAL_PREFIX + self.label


@dataclass(frozen=True)
class ModelChoice:
    """What a visitor's choice loads: ``reference`` for the loader (``None``: the task default) and the name
    the page shows for it (``None``: the loader's own display name, which holds no server path)."""

    reference: str | None
    shown: str | None = None


def _is_model_dir(path: Path) -> bool:
    return any((path / marker).is_file() for marker in MODEL_MARKERS)


def find_local_models(dirs: Iterable[Path]) -> tuple[LocalModel, ...]:
    """The models under the operator's ``--model-dir`` folders; a name found twice gets its folder's name too."""
    found: list[Path] = []
    for directory in dirs:
        directory = Path(directory).expanduser().resolve()
        if not directory.is_dir():
            raise UsageError(f"--model-dir {directory} is not a directory",
                             hint="give a folder holding model directories (each with its config.json)")
        if _is_model_dir(directory):
            found.append(directory)
        else:
            found.extend(sorted(p for p in directory.iterdir() if p.is_dir() and _is_model_dir(p)))
    found = list(dict.fromkeys(found))  # a folder named twice (or inside another named one) is offered once
    names = [p.name for p in found]
    return tuple(LocalModel(p.name if names.count(p.name) == 1 else f"{p.parent.name}/{p.name}", p) for p in found)


@dataclass(frozen=True)
class ModelPolicy:
    """The models a server offers its visitors (see the module docstring)."""

    local: tuple[LocalModel, ...] = ()
    allow_hub: bool = False  # online and allowed by the operator

    @classmethod
    def for_server(cls, model_dirs: Sequence[Path], *, allow_hub_models: bool, offline: bool) -> ModelPolicy:
        return cls(local=find_local_models(model_dirs), allow_hub=allow_hub_models and not offline)

    def registered(self, spec: TaskSpec) -> list[str]:
        """Names of the registered models made for ``spec`` (a model naming no task serves every task)."""
        return [m.name for m in get_models() if not m.tasks or spec.name in m.tasks]

    def choices(self, spec: TaskSpec) -> list[tuple[str, str]]:
        """(shown, value) pairs for the Model dropdown: the task default, registered models, local models."""
        choices: list[tuple[str, str]] = []
        if spec.default_model or spec.default_model_for or spec.fallback_model:
            choices.append((default_label(spec), DEFAULT_MODEL_CHOICE))
        for name in self.registered(spec):
            spec_of = find_model_spec(name)
            choices.append((f"{name} (embedded)" if spec_of is not None and spec_of.embedded else name, name))
        choices.extend((f"{model.label} (local)", model.value) for model in self.local)
        return choices

    def first_choice(self, spec: TaskSpec, default_usable: bool) -> str | None:
        """The value the dropdown opens on: the default when it can answer, else nothing (the tab's notice
        asks for a local model: which local model fits a task is known only once it loads)."""
        return DEFAULT_MODEL_CHOICE if default_usable else None

    def generates(self, reference: str | None) -> bool:
        """Whether the model at ``reference`` (a registered name, a local path or a hub id) generates text:
        registered models say so by their kind; other models are assumed to (only loading would tell)."""
        if reference is None:
            return False
        registered = find_model_spec(reference)
        return registered is None or registered.kind not in NON_GENERATING_KINDS

    def resolve(self, spec: TaskSpec, choice: str | None) -> ModelChoice:
        """What ``choice`` loads, or a refusal that says what may be chosen (and nothing about the disk)."""
        text = (choice or "").strip()
        if not text or text == DEFAULT_MODEL_CHOICE:
            return ModelChoice(None)
        if text in self.registered(spec):
            return ModelChoice(text)
        local = next((m for m in self.local if text in (m.value, m.label)), None)
        if local is not None:
            return ModelChoice(str(local.path), shown=f"{local.label} (local)")
        if self.allow_hub and _looks_like_hub_id(text):
            return ModelChoice(text)
        shown = text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + "…"
        typed = " or type a hub id (org/name)" if self.allow_hub else ""
        raise UsageError(f"this server does not offer the model {shown!r}",
                         hint=f"pick one from the Model list{typed}")


def default_label(spec: TaskSpec) -> str:
    """How the Model dropdown names the task default (and its offline fallback)."""
    default = spec.default_model or spec.fallback_model
    if spec.default_model_for is not None:
        default = f"picked from the inputs, e.g. {default}" if default else "picked from the inputs"
    shown = f"task default: {default}"
    if spec.fallback_model and spec.fallback_model != spec.default_model:
        shown += f" (embedded {spec.fallback_model} when offline)"
    return shown


def _looks_like_hub_id(text: str) -> bool:
    # the hub's own form only: no path syntax at all, so nothing typed is ever read from the disk
    from nlpsuite.models.reference import HUB_ID

    hub_id, _, revision = text.partition("@")
    return (hub_id.count("/") == 1 and HUB_ID.match(hub_id) is not None and ".." not in hub_id
            and text.count("@") <= 1 and ("@" not in text or bool(revision)))
