"""The Ray engine: the predict stage as Ray Data ``map_batches`` over an actor pool, one model per actor.

The driver keeps everything stateful — the cache, the commits, scoring — and
ships only a :class:`~nlpsuite.evaluation.engines.recipe.TaskRecipe`.  Each
actor makes its own :class:`~nlpsuite.session.Session` and loads the recipe
once.  Records travel as JSON text keyed by their position, in blocks of
exactly one batch each (the same length-sorted batches the local engine
forms, so padding and predictions are the same); outputs come back keyed by
position in whatever order the actors finish, and the driver commits each
block as it arrives.  Ray restarts an actor whose process dies and retries its
batch (``max_restarts``/``max_task_retries`` are unlimited for Ray Data actor
pools); the driver still refuses a position answered twice or never.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from nlpsuite.errors import NlpsuiteError, UsageError
from nlpsuite.evaluation.engines import EngineSettings, PredictedBatch
from nlpsuite.evaluation.engines.recipe import TaskRecipe

if TYPE_CHECKING:  # pragma: no cover
    from nlpsuite.evaluation.engines.local_ray import LocalRay
    from nlpsuite.runtime import LoadedTask

#: The Ray versions these engines were verified with (the ``nlpsuite[ray]`` extra pins the same range).
VERIFIED_RAY = ((2, 60), (2, 61))
INSTALL_HINT = "pip install 'nlpsuite[ray]'   (installs ray[data,client] 2.60)"


class EngineError(NlpsuiteError):
    """The engine could not give one output per record (a lost or duplicated sample)."""

    exit_code = 1


class ClusterLostError(EngineError):
    """The Ray cluster (a raylet, the head, the connection) failed under a run: what was kept is said."""


def _is_ray_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is Ray's own failure (a system error, a lost node or object), not the task's: an error
    raised by the task's code (``RayTaskError``) or by an actor that could not start is the task's."""
    import ray.exceptions

    if isinstance(exc, ray.exceptions.RayTaskError) or getattr(exc, "actor_init_failed", False):
        return False
    return type(exc).__module__.split(".")[0] == "ray" or isinstance(exc, ConnectionError)


def require_ray() -> str:
    """Ray's version, or a :class:`UsageError` saying how to install it."""
    try:
        import pyarrow  # noqa: F401 - Ray Data's block format
        import ray
    except ImportError as exc:
        raise UsageError(f"--engine ray needs Ray Data, which is not installed ({exc})", hint=INSTALL_HINT) from None
    return str(getattr(ray, "__version__", "unknown"))


def _version_tuple(version: str) -> tuple[int, int]:
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return (0, 0)


def in_process_plugins() -> list[tuple[str, object]]:
    """Plugins this process registered itself (no installed distribution): workers cannot find those
    through entry points, so they travel with the recipe."""
    from nlpsuite.registry import get_registry

    registry = get_registry()
    plugins = []
    for info in registry.host.plugins.values():
        plugin = registry.host.pm.get_plugin(info.name)
        if info.distribution is None and plugin is not None and info.status == "loaded":
            plugins.append((info.name, plugin))
    return plugins


def _driver_python_path() -> str:
    """The driver's own import path entries (not the interpreter's), for workers on this machine."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    entries = []
    for entry in sys.path:
        real = os.path.realpath(entry or os.getcwd())
        if os.path.isdir(real) and not any(real == p or real.startswith(p + os.sep) for p in prefixes):
            entries.append(real)
    existing = os.environ.get("PYTHONPATH")
    return os.pathsep.join(dict.fromkeys([*entries, *([existing] if existing else [])]))


_REPORTED = re.compile(r"nlpsuite\.errors\.(\w+): (.+?)(?:\n  hint: (.+?))?\s*$", re.S)


def _reported_error(text: str) -> NlpsuiteError | None:
    """An nlpsuite error Ray passed on as text only (an actor's constructor failed: ``ActorDiedError``)."""
    import nlpsuite.errors as errors

    found = _REPORTED.search(text)
    if found is None:
        return None
    kind = getattr(errors, found.group(1), None)
    kind = kind if isinstance(kind, type) and issubclass(kind, NlpsuiteError) else NlpsuiteError
    message = found.group(2).strip().splitlines()[0]
    return kind(f"on a Ray worker: {message}", hint=(found.group(3) or "").strip().splitlines()[0]
                if found.group(3) else "")


def _nlpsuite_cause(exc: BaseException) -> NlpsuiteError | None:
    """The nlpsuite error a Ray exception wraps (an actor that could not load its task), if any."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NlpsuiteError):
            return current
        if getattr(current, "actor_init_failed", False):
            reported = _reported_error(str(current))
            if reported is not None:
                return reported
        stack.extend([getattr(current, "cause", None), current.__cause__, current.__context__])
    return None


class RayEngine:
    """``--engine ray``: see the module docstring.  Connects (or starts a local Ray) on first use."""

    name = "ray"

    def __init__(self, settings: EngineSettings) -> None:
        self.ray_version = require_ray()
        if settings.num_workers < 1:
            raise UsageError(f"--num-workers {settings.num_workers} must be at least 1")
        if settings.cpus_per_worker <= 0 or settings.gpus_per_worker < 0:
            raise UsageError("--cpus-per-worker must be above 0 and --gpus-per-worker at least 0")
        self.settings = settings
        self._local: LocalRay | None = None
        self._connected = False
        self._workers: int | None = None
        self.duplicates = 0
        if not (VERIFIED_RAY[0] <= _version_tuple(self.ray_version) < VERIFIED_RAY[1]):
            from nlpsuite.evaluation.cache_guard import print_warning

            print_warning(f"Ray {self.ray_version} is installed; nlpsuite's Ray engine was verified with Ray 2.60 "
                          f"({INSTALL_HINT})")

    # -- connection ---------------------------------------------------------------------------------------

    def connect(self, *, quiet: bool = True) -> None:
        """Join the configured Ray, or start a private local one; reuse a Ray this process already joined."""
        if self._connected:
            return
        import ray

        settings = self.settings
        if ray.is_initialized():
            pass  # someone (a notebook, a test session) already connected this process: use that Ray
        elif not settings.address:
            from nlpsuite.evaluation.engines.local_ray import start_local_ray

            runtime_env = dict(settings.runtime_env or {})
            runtime_env["env_vars"] = {"PYTHONPATH": _driver_python_path(), **dict(runtime_env.get("env_vars") or {})}
            self._local = start_local_ray(
                num_cpus=settings.num_workers * settings.cpus_per_worker,
                num_gpus=settings.num_workers * settings.gpus_per_worker or None,
                quiet=quiet, runtime_env=runtime_env,
            )
        else:
            import logging

            from nlpsuite.evaluation.engines.ray_address import check_answers, check_reachable

            # a dead address, or one where no Ray answers, fails in bounded time, not after minutes (or never)
            check_reachable(settings.address)
            check_answers(settings.address)
            try:
                ray.init(address=settings.address, runtime_env=settings.runtime_env,
                         logging_level=logging.WARNING if quiet else logging.INFO)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise UsageError(f"cannot join the Ray cluster at --ray-address {settings.address!r}: {exc}",
                                 hint="check the address (auto, or ray://HEAD:10001) and that the cluster is up; "
                                 "leave --ray-address empty for a local Ray") from exc
        self._connected = True

    def close(self) -> None:
        """Shut down the local Ray this engine started (a cluster it joined keeps running)."""
        if self._local is not None:
            self._local.stop()
            self._local = None
        self._connected = False
        self._workers = None

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def workers_that_fit(self) -> int:
        """``--num-workers``, capped (with a warning, once) to the actors the cluster's CPUs and GPUs hold now:
        Ray Data would otherwise wait for actors that can never be placed."""
        import math

        import ray

        settings = self.settings
        if self._workers is not None:
            return self._workers
        resources = ray.cluster_resources()
        fits = [math.floor(resources.get("CPU", 0.0) / settings.cpus_per_worker + 1e-9)]
        if settings.gpus_per_worker > 0:
            fits.append(math.floor(resources.get("GPU", 0.0) / settings.gpus_per_worker + 1e-9))
        fit = min(fits)
        if fit < 1:
            raise UsageError(
                f"the Ray cluster has {resources.get('CPU', 0):g} CPUs and {resources.get('GPU', 0):g} GPUs: not "
                f"enough for one worker of {settings.cpus_per_worker:g} CPUs and {settings.gpus_per_worker:g} GPUs",
                hint="lower --cpus-per-worker / --gpus-per-worker, or add nodes to the cluster",
            )
        self._workers = min(settings.num_workers, fit)
        if self._workers < settings.num_workers:
            from nlpsuite.evaluation.cache_guard import print_warning

            print_warning(f"--num-workers {settings.num_workers} does not fit the Ray cluster "
                          f"({resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} GPUs at "
                          f"{settings.cpus_per_worker:g} CPUs and {settings.gpus_per_worker:g} GPUs per worker); "
                          f"running {self._workers} (results record it)")
        return self._workers

    def describe(self) -> dict[str, Any]:
        settings = self.settings
        return {
            "name": self.name,
            "address": settings.address or "local",
            # what ran: capped to the cluster (workers_that_fit); what was asked for beside it
            "num_workers": self._workers if self._workers is not None else settings.num_workers,
            "num_workers_requested": settings.num_workers,
            "cpus_per_worker": settings.cpus_per_worker,
            "gpus_per_worker": settings.gpus_per_worker,
            "ray_version": self.ray_version,
        }

    # -- predict ------------------------------------------------------------------------------------------

    def recipe_for(self, loaded: LoadedTask) -> TaskRecipe:
        recipe = TaskRecipe.from_loaded(loaded)
        if self.settings.gpus_per_worker > 0 and str(recipe.device).startswith("cpu"):
            raise UsageError(
                f"--gpus-per-worker {self.settings.gpus_per_worker} but the model runs on {recipe.device}",
                hint="pass --device cuda as well (workers run on the device the driver resolved, so that "
                "the cache key says what computed each prediction)",
            )
        return recipe

    def predict_batches(self, loaded: LoadedTask, records: Sequence[dict[str, Any]], *, batch_size: int,
                        progress: Any = None) -> Iterator[PredictedBatch]:
        if not records:
            return
        recipe = self.recipe_for(loaded)
        self.connect(quiet=loaded.options.quiet)
        import pyarrow as pa
        import ray
        import ray.data

        import logging

        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the harness's own bar counts committed samples
        # ... and Ray Data would warn that we turned its bars off
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        if loaded.options.quiet:
            logging.getLogger("ray.data").setLevel(logging.WARNING)
        # One block per batch of consecutive records: the batches the local engine would form.
        blocks = []
        for number, start in enumerate(range(0, len(records), batch_size)):
            indices = list(range(start, min(start + batch_size, len(records))))
            blocks.append(pa.table({
                "index": pa.array(indices, pa.int64()),
                "batch": pa.array([number] * len(indices), pa.int64()),
                "record": pa.array([json.dumps(records[i], ensure_ascii=False) for i in indices], pa.string()),
            }))
        settings = self.settings
        workers = min(self.workers_that_fit(), len(blocks))
        dataset = ray.data.from_arrow(blocks).map_batches(
            PredictActor,
            fn_constructor_kwargs={"recipe": recipe, "plugins": in_process_plugins(),
                                   "threads": max(1, int(settings.cpus_per_worker))},
            batch_size=batch_size,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=settings.cpus_per_worker,
            num_gpus=settings.gpus_per_worker or None,
        )
        answered: set[int] = set()
        try:
            for block in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
                batch = self._received(block, answered, len(records))
                if batch is None:
                    continue
                if progress is not None:
                    progress.update(len(batch.indices))
                yield batch
        except Exception as exc:
            cause = _nlpsuite_cause(exc)
            if cause is not None and cause is not exc:
                raise cause from None
            if _is_ray_failure(exc):
                first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
                raise ClusterLostError(
                    f"the Ray cluster failed during the predict stage ({type(exc).__name__}: {first}); "
                    f"{len(answered)} of the {len(records)} predictions this run asked for had arrived and are "
                    "kept in the prediction cache (unless --no-cache)",
                    hint="rerun the same command when the cluster is back: kept predictions are not made again",
                ) from None
            raise
        if len(answered) != len(records):
            raise EngineError(f"Ray answered {len(answered)} of {len(records)} records; the rest were lost",
                              hint="rerun the same command: what was answered is cached")

    def _received(self, block: Any, answered: set[int], total: int) -> PredictedBatch | None:
        indices, outputs = [], []
        for index, output in zip(block.column("index").to_pylist(), block.column("output").to_pylist()):
            if not 0 <= index < total:
                raise EngineError(f"Ray answered record {index}, which was never sent")
            if index in answered:
                self.duplicates += 1  # a retried batch answered twice: keep the first answer
                continue
            answered.add(index)
            indices.append(index)
            outputs.append(json.loads(output))
        if not indices:
            return None
        seconds = max(block.column("seconds").to_pylist() or [0.0])
        return PredictedBatch(indices=tuple(indices), outputs=outputs, seconds=float(seconds))


def _install_plugins(plugins: Sequence[tuple[str, object]]) -> None:
    """The registry of an actor: installed entry points plus the driver's in-process plugins."""
    from nlpsuite.plugin_manager import PluginHost
    from nlpsuite.registry import Registry, set_registry

    host = PluginHost()
    host.load_entry_points()
    for name, plugin in plugins:
        if host.pm.get_plugin(name) is None:
            host.register(plugin, name=name)
    set_registry(Registry(host).build())


class PredictActor:
    """One Ray actor: its own session, the task loaded once, then batches answered as they come."""

    def __init__(self, recipe: TaskRecipe, plugins: Sequence[tuple[str, object]] = (), threads: int = 1) -> None:
        from nlpsuite.session import Session

        if plugins:
            _install_plugins(plugins)
        self.session = Session(offline=recipe.offline)
        self.task = recipe.load(self.session)
        torch = sys.modules.get("torch")  # only when the task's model uses it
        if torch is not None:
            # one actor per CPU share: torch's default (every core) would oversubscribe the machine
            torch.set_num_threads(threads)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        indices = batch.column("index").to_pylist()
        groups = batch.column("batch").to_pylist()
        records = [json.loads(text) for text in batch.column("record").to_pylist()]
        began = time.perf_counter()
        outputs: list[dict[str, Any]] = []
        start = 0
        # predict each of the driver's batches on its own, even if Ray handed over more than one
        while start < len(records):
            end = start
            while end < len(records) and groups[end] == groups[start]:
                end += 1
            outputs.extend(self.task.predict(records[start:end]))
            start = end
        seconds = time.perf_counter() - began
        return pa.table({
            "index": pa.array(indices, pa.int64()),
            "output": pa.array([json.dumps(o, ensure_ascii=False) for o in outputs], pa.string()),
            "seconds": pa.array([seconds] * len(indices), pa.float64()),
        })
