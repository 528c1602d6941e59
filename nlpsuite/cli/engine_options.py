"""``--engine`` and the Ray options, shared by every command that runs a predict stage (eval, audit)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nlpsuite.cli.options import number_option, positive_int
from nlpsuite.errors import UsageError


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """``--engine local|ray`` and where/how wide Ray runs."""
    from nlpsuite.evaluation.engines import ENGINE_NAMES

    group = parser.add_argument_group("engine (where the predict stage runs)")
    group.add_argument("--engine", choices=ENGINE_NAMES, default="local",
                       help="local: in this process (default); ray: Ray Data actors, one model each "
                       "(pip install 'nlpsuite[ray]')")
    group.add_argument("--ray-address", default="", metavar="ADDRESS",
                       help="auto (the cluster this machine belongs to), ray://HEAD:10001 (Ray Client), "
                       "or empty: a private local Ray on loopback (default)")
    group.add_argument("--num-workers", type=positive_int, default=2, metavar="N",
                       help="Ray actors, each holding one copy of the model (default 2)")
    group.add_argument("--cpus-per-worker", type=number_option(float, 0, above=True), default=1.0, metavar="N",
                       help="CPUs reserved per actor; also its torch threads (default 1)")
    group.add_argument("--gpus-per-worker", type=number_option(float, 0), default=0.0, metavar="N",
                       help="GPUs reserved per actor (default 0; with GPUs pass --device cuda too)")
    group.add_argument("--ray-runtime-env", default=None, metavar="JSON|FILE",
                       help="Ray runtime environment for the workers when joining a cluster, as JSON or a "
                       "JSON/YAML file, e.g. '{\"pip\": [\"nlpsuite[ray]\", \"my-plugin\"]}'")


def _runtime_env(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    path = Path(text).expanduser()
    try:
        if path.is_file():
            import yaml

            value = yaml.safe_load(path.read_text(encoding="utf-8"))
        else:
            value = json.loads(text)
    except (OSError, ValueError) as exc:
        raise UsageError(f"--ray-runtime-env {text!r} is neither a readable file nor JSON ({exc})",
                         hint="pass JSON such as '{\"pip\": [\"my-plugin\"]}' or a .json/.yaml file") from exc
    except Exception as exc:  # noqa: BLE001 - a YAML syntax error
        raise UsageError(f"--ray-runtime-env file {text!r} cannot be read: {exc}") from exc
    if not isinstance(value, dict):
        raise UsageError(f"--ray-runtime-env {text!r} is not a mapping", hint="e.g. '{\"pip\": [\"my-plugin\"]}'")
    return value


def engine_settings_from(args: argparse.Namespace) -> Any:
    """The :class:`~nlpsuite.evaluation.engines.EngineSettings` a command line asked for."""
    from nlpsuite.evaluation.engines import EngineSettings

    engine = getattr(args, "engine", "local") or "local"
    ray_only = [f"--{name.replace('_', '-')}" for name in ("ray_address", "ray_runtime_env")
                if getattr(args, name, None)]
    if engine != "ray" and ray_only:
        raise UsageError(f"{ray_only[0]} is an option of --engine ray", hint="add --engine ray")
    return EngineSettings(
        name=engine,
        address=(getattr(args, "ray_address", "") or "").strip(),
        num_workers=getattr(args, "num_workers", 2),
        cpus_per_worker=getattr(args, "cpus_per_worker", 1.0),
        gpus_per_worker=getattr(args, "gpus_per_worker", 0.0),
        runtime_env=_runtime_env(getattr(args, "ray_runtime_env", None)),
    )


def engine_from_args(args: argparse.Namespace) -> Any:
    """The engine a command line asked for (checked before any model loads); close it when done."""
    from nlpsuite.evaluation.engines import open_engine

    return open_engine(engine_settings_from(args))
