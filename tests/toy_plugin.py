"""A light in-process plugin for core tests: a task that needs no torch model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nlpsuite import FieldSpec, ModelSpec, TaskOptions, TaskSpec, hookimpl
from nlpsuite.errors import ModelUnavailableError
from nlpsuite.models.reference import ModelRequest


class ShoutPredictor:
    """Upper-cases text; fails on inputs containing 'boom' to exercise failure isolation."""

    batch_size = 2

    def __init__(self, request: ModelRequest) -> None:
        self.request = request
        self.batches: list[list[str]] = []

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        texts = [r["text"] for r in records]
        self.batches.append(texts)
        if any("boom" in t for t in texts):
            raise RuntimeError("boom in batch")
        return [{"shout": t.upper()} for t in texts]

    def config(self) -> dict[str, Any]:
        return {"model": self.request.reference}


def build_shout(request: ModelRequest, options: TaskOptions) -> ShoutPredictor:
    if request.kind == "hub":
        raise ModelUnavailableError(f"{request.source} is not available offline")
    return ShoutPredictor(request)


class ToyPlugin:
    def __init__(self, model_dir: Path, *, fallback: bool = True) -> None:
        self.model_dir = model_dir
        self.fallback = fallback

    @hookimpl
    def register_tasks(self) -> list[TaskSpec]:
        return [
            TaskSpec(
                name="shout",
                description="upper-case text",
                input_fields=[FieldSpec("text")],
                output_fields=[FieldSpec("shout")],
                build=build_shout,
                default_model="toy-org/shouter",
                fallback_model="toy-embedded" if self.fallback else None,
                no_fallback_hint="pass --model toy-embedded",
            )
        ]

    @hookimpl
    def register_models(self) -> list[ModelSpec]:
        return [
            ModelSpec(
                name="toy-embedded",
                description="a directory standing in for weights",
                kind="other",
                path=lambda: self.model_dir,
                embedded=True,
            )
        ]
