"""Device and dtype choice: CPU by default, CUDA/MPS when present (bf16/fp16 there)."""

from __future__ import annotations

from nlpsuite.errors import UsageError

DTYPES = ("float32", "float16", "bfloat16")


def resolve_device(requested: str | None = None) -> str:
    import torch

    if requested and requested != "auto":
        if requested.startswith("cuda") and not torch.cuda.is_available():
            raise UsageError(f"device {requested!r} was asked for but CUDA is not available", hint="use --device cpu")
        if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise UsageError("device 'mps' was asked for but MPS is not available", hint="use --device cpu")
        if requested != "cpu" and not requested.startswith(("cuda", "mps")):
            raise UsageError(f"unknown device {requested!r}", hint="use cpu, cuda, cuda:N, mps or auto")
        return requested
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_dtype(requested: str | None, device: str) -> str:
    if requested and requested != "auto":
        if requested not in DTYPES:
            raise UsageError(f"unknown dtype {requested!r}", hint=f"use one of {', '.join(DTYPES)} or auto")
        return requested
    if device.startswith("cuda"):
        import torch

        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    if device == "mps":
        return "float16"
    return "float32"


def torch_dtype(name: str):  # -> torch.dtype
    import torch

    return getattr(torch, name)
