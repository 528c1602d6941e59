"""What a task's tab can do on this server, said at the top of the tab before anyone clicks.

A task with an embedded fallback always answers.  One without needs its default
model from the hub (cached, or fetched when the server is online) or a local
model the operator offered (``--model-dir``); when it has neither, its tab says
why and its Run button and examples are disabled, instead of failing on the first
click with a message about the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlpsuite.errors import NlpsuiteError
from nlpsuite.runtime import default_model_reference
from nlpsuite.specs import TaskSpec
from nlpsuite.web.model_choice import ModelPolicy
from nlpsuite.web.task_runner import example_args

OPERATOR_CAN_ADD = "The server's operator can offer local models (start the demo with a model directory)."


@dataclass(frozen=True)
class TabStatus:
    """``runnable``: Run works at all; ``default_usable``: the task default can answer (else the Model
    dropdown opens on a local model); ``notice``: one paragraph shown at the top of the tab;
    ``default_answer``: the model that answers the default choice (the embedded fallback when the
    default cannot be had), which decides whether generation settings apply."""

    runnable: bool
    default_usable: bool
    notice: str | None = None
    default_answer: str | None = None


def tab_status(spec: TaskSpec, policy: ModelPolicy, *, offline: bool) -> TabStatus:
    """What ``spec``'s tab can do with ``policy``'s models on a server that is (or is not) ``offline``."""
    reference = default_model_reference(spec, example_args(spec))
    if spec.fallback_model:
        answers = reference if reference and _obtainable(reference, offline) else spec.fallback_model
        return TabStatus(True, True, default_answer=answers)
    local = bool(policy.local)
    if reference is None:
        if local:
            return TabStatus(True, False, "This task has no default model: pick one of the local models in Model.")
        return TabStatus(False, False, "The task has no default model and this server "
                         f"offers no model for it. {OPERATOR_CAN_ADD}")
    from nlpsuite.models.reference import parse_model_reference

    try:
        request = parse_model_reference(reference)
    except NlpsuiteError:
        return TabStatus(local, False, f"This task's default model ({reference}) cannot be loaded here."
                         + ("" if local else f" {OPERATOR_CAN_ADD}"))
    if request.kind != "hub" or _in_hub_cache(request.source, request.revision):
        return TabStatus(True, True, default_answer=reference)
    if not offline:
        return TabStatus(True, True, default_answer=reference, notice=f"This task has no embedded model: its default model ({reference}) is "
                         "downloaded from the Hugging Face hub on first use, which can take a while.")
    if local:
        return TabStatus(True, False, f"This task has no embedded model and its default model ({reference}) "
                         "comes from the Hugging Face hub, which this server does not contact (it runs offline): "
                         "pick one of the local models in Model.")
    return TabStatus(False, False, f"The task has no embedded model, and its default "
                     f"model ({reference}) comes from the Hugging Face hub, which this server does not contact "
                     f"(it runs offline). {OPERATOR_CAN_ADD}")


def _obtainable(reference: str, offline: bool) -> bool:
    """Whether a default model can be had without falling back (registered, local, cached, or online)."""
    from nlpsuite.models.reference import parse_model_reference

    try:
        request = parse_model_reference(reference)
    except NlpsuiteError:
        return False
    return request.kind != "hub" or not offline or _in_hub_cache(request.source, request.revision)


def _in_hub_cache(repo_id: str, revision: str | None) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    except Exception:  # noqa: BLE001 - an odd id or cache: treat as not cached
        return False
    return isinstance(found, str)
