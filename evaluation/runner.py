"""The evaluation run: dataset → predict (cached, resumable) → score → run directory → reports.

The harness reaches tasks only through :func:`nlpsuite.runtime.load_task` and
:meth:`LoadedTask.predict`, so a third-party task is evaluable unchanged.
Scoring reads stored predictions only; :func:`rescore_run` redoes it for a run
directory without loading any model.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.evaluation.cache_guard import GuardedCache, print_warning
from nlpsuite.evaluation.dataset import EvalDataset, checked_dataset, input_hash
from nlpsuite.evaluation.engines import PredictEngine
from nlpsuite.evaluation.engines.local import LocalEngine
from nlpsuite.evaluation.label_alignment import LabelMismatchError
from nlpsuite.evaluation.prediction_cache import PredictionCache, canonical_json, config_key
from nlpsuite.evaluation.provenance import utc_timestamp
from nlpsuite.evaluation.run_dir_check import check_run_dir_writable
from nlpsuite.evaluation.run_lock import run_dir_lock
from nlpsuite.evaluation.sample_columns import SampleColumns, output_error
from nlpsuite.evaluation.scoring import check_metric_args
from nlpsuite.evaluation.results import RESULTS_SCHEMA_VERSION, RunRecord, read_run, write_run
from nlpsuite.session import Session
from nlpsuite.specs import TaskOptions, TaskSpec

DEFAULT_RUNS_DIR = Path("nlpsuite-runs")
DEFAULT_BOOTSTRAP = 1000


@dataclass(frozen=True)
class EvalRequest:
    """Everything ``nlpsuite eval`` was asked for.

    ``options.batch_size`` ``None`` means auto (the task's preferred size).
    ``columns`` is the ``--columns`` text or a field → column mapping;
    ``label_map`` maps reference labels to model labels (``--label-map``).
    """

    task: str
    model: str | None = None
    dataset: str | None = None
    columns: str | Mapping[str, str] | None = None
    limit: int | None = None
    options: TaskOptions = field(default_factory=TaskOptions)
    metric_args: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    seed: int = 0
    output_dir: Path | None = None
    use_cache: bool = True
    n_bootstrap: int = DEFAULT_BOOTSTRAP
    command: str | None = None
    label_map: Mapping[str, str] = field(default_factory=dict)


@dataclass
class PredictStats:
    predict_s: float = 0.0
    n_batches: int = 0
    predicted: int = 0
    cached: int = 0


def parse_metric_args(text: str | list[str] | None, task: TaskSpec) -> dict[str, dict[str, Any]]:
    """``"bleu.tokenize=intl,rouge1.use_stemmer=false"`` → ``{"bleu": {"tokenize": "intl"}, …}``."""
    from nlpsuite.arguments import parse_key_values

    pairs = parse_key_values(text or [], "--metric-args")
    result: dict[str, dict[str, Any]] = {}
    for dotted, value in pairs.items():
        metric, sep, key = dotted.partition(".")
        if not sep or not key:
            raise UsageError(f"--metric-args {dotted!r} is not METRIC.KEY=VALUE", hint="e.g. --metric-args bleu.tokenize=intl")
        result.setdefault(metric, {})[key] = value
    check_metric_args(task, result)
    # typed once here, so results.json records what was computed (use_stemmer=False is False, not "False")
    from nlpsuite.evaluation.scoring import binding_for, metric_arguments

    for key in result:
        binding, spec = binding_for(task, key)
        explicit = metric_arguments(binding, spec, result)
        result[key] = {k: explicit[k] for k in result[key]}
    return result


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (when loaded) torch, so sampling-based generation repeats."""
    random.seed(seed)
    try:
        import numpy

        numpy.random.seed(seed % (2**32))
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "x"


def default_run_dir(task: str, dataset: EvalDataset, model_name: str, key: str) -> Path:
    """A stable directory per (task, dataset, model, config): rerunning a command lands in the same place."""
    return DEFAULT_RUNS_DIR / f"{_slug(task)}-{_slug(dataset.name)}-{_slug(model_name.split('/')[-1])}-{key[:10]}"


def prediction_key_description(loaded: Any, provider: Mapping[str, Any], task_config: Mapping[str, Any]) -> dict[str, Any]:
    """What a cached prediction depends on (hashed into the cache key): task and its plugin, the model's
    identity, the effective task config, generation settings and typed task arguments."""
    from nlpsuite.evaluation.provenance import model_identity

    return {
        "task": loaded.spec.name,
        "task_plugin": provider,
        "model": model_identity(loaded),
        "task_config": dict(task_config),
        "generation": dict(loaded.options.generation),
        "task_args": dict(loaded.options.task_args),
    }


def predict_with_cache(
    loaded: Any,
    dataset: EvalDataset,
    *,
    cache: PredictionCache | GuardedCache | None,
    key: str,
    on_progress: Any = None,
    engine: PredictEngine | None = None,
) -> tuple[list[dict[str, Any]], PredictStats]:
    """One output per sample, in dataset order: stored ones from the cache, the rest predicted by
    ``engine`` (default: in this process) in length-sorted batches, each committed to the cache as it arrives."""
    stats = PredictStats()
    samples = dataset.samples
    hashes = [input_hash(s["input"]) for s in samples]
    dataset_key = dataset.identity()
    stored = cache.lookup(key, dataset_key, list(zip(dataset.ids, hashes))) if cache is not None else {}
    outputs: list[dict[str, Any] | None] = [stored.get(s["id"]) for s in samples]
    stats.cached = sum(o is not None for o in outputs)
    todo = [i for i, o in enumerate(outputs) if o is None]
    # Sort across the whole remainder (longest first), then hand the engine consecutive batches:
    # the same padding savings as one big call, plus a commit point per batch.
    todo.sort(key=lambda i: (-loaded.text_length(samples[i]["input"]), i))
    if on_progress is not None:
        on_progress.update(stats.cached)
    engine = engine if engine is not None else LocalEngine()
    batches = engine.predict_batches(loaded, [samples[i]["input"] for i in todo], batch_size=loaded.batch_size,
                                     progress=on_progress)
    while True:
        # time spent waiting for the engine: predict time locally, the predict stage's wall time on Ray
        began = time.perf_counter()
        batch = next(batches, None)
        stats.predict_s += time.perf_counter() - began
        if batch is None:
            break
        chunk = [todo[j] for j in batch.indices]
        stats.n_batches += 1
        stats.predicted += len(chunk)
        for index, result in zip(chunk, batch.outputs):
            outputs[index] = result
        if cache is not None:
            cache.store(key, dataset_key, [
                (samples[i]["id"], hashes[i], result) for i, result in zip(chunk, batch.outputs) if "error" not in result
            ])
    return outputs, stats  # type: ignore[return-value]


def sample_rows(samples: Iterable[Mapping[str, Any]], outputs: Iterable[Any],
                scores: Callable[[int], dict[str, float]]) -> Iterator[dict[str, Any]]:
    """samples.jsonl rows, one at a time (written as they come, never held together); ``scores(i)`` gives
    sample ``i``'s per-sample scores."""
    for index, (sample, output) in enumerate(zip(samples, outputs)):
        error = output_error(output)
        yield {
            "id": sample["id"],
            "input": sample["input"],
            # what `compare` checks, so two runs over different inputs that share ids are refused
            "input_sha256": input_hash(sample["input"]),
            "references": sample["references"],
            "prediction": None if error else output,
            "error": error,
            "scores": scores(index),
        }


def _no_scores(_index: int) -> dict[str, float]:
    return {}


def score_run(spec: TaskSpec, samples: SampleColumns, *, metric_args: Mapping[str, Any], seed: int,
              n_bootstrap: int, label_map: Mapping[str, str] | None = None,
              warn: Callable[[str], None] = print_warning) -> tuple[dict[str, Any], Callable[[int], dict[str, float]]]:
    """Scored fields of results.json (``metrics``, ``labels``, ``warnings``) from stored predictions only, and
    each sample's scores by index; tells ``warn`` each warning."""
    from nlpsuite.evaluation.scoring import score_samples

    if not spec.bindings:
        return {"metrics": {}}, _no_scores
    scored = score_samples(spec, samples, metric_args={k: dict(v) for k, v in metric_args.items()}, seed=seed,
                           n_bootstrap=n_bootstrap, label_map=label_map)
    for warning in scored.warnings:
        warn(warning)
    fields: dict[str, Any] = {"metrics": dict(scored.metrics), "warnings": list(scored.warnings)}
    if scored.labels:
        fields["labels"] = {name: alignment.to_dict() for name, alignment in scored.labels.items()}
    return fields, scored.scores_of


def run_status(samples: SampleColumns) -> dict[str, Any]:
    """``status`` of results.json: ``complete``, or ``all samples failed`` with the first error (not a success)."""
    if len(samples) and all(error is not None for error in samples.errors):
        return {"status": "all samples failed", "first_error": f"sample {samples.ids[0]!r}: {samples.errors[0]}"}
    return {"status": "complete"}


@dataclass
class EvalOutcome:
    """A finished run: its directory, results.json's contents and the reports written."""

    run_dir: Path
    results: dict[str, Any]
    reports: list[Path]
    report_error: str | None = None

    @property
    def samples(self) -> list[dict[str, Any]]:
        """The rows of samples.jsonl, read back from the run directory on each access (a run never holds
        them all in memory)."""
        return list(RunRecord(self.run_dir, self.results).iter_samples())


def run_eval(
    request: EvalRequest,
    *,
    notify: Callable[[str], None] | None = None,
    session: Session | None = None,
    warn: Callable[[str], None] = print_warning,
    engine: PredictEngine | None = None,
) -> EvalOutcome:
    """Run the whole evaluation in ``session`` (default: the process's) and write the run directory.

    ``engine`` runs the predict stage (default: in this process; see
    :mod:`nlpsuite.evaluation.engines`); the caller opens and closes it.

    ``notify`` hears notices (model fallback), ``warn`` warnings (a cache set aside,
    labels mapped); both are also recorded in results.json.  Labels that cannot be
    matched raise :class:`LabelMismatchError` after the run directory is written
    (metrics empty), so ``nlpsuite rescore --label-map`` can finish it without the model.
    """
    from nlpsuite._privacy import offline_requested
    from nlpsuite.evaluation.provenance import reproducibility_record, task_provider
    from nlpsuite.registry import get_task
    from nlpsuite.runtime import load_task, print_notice, resolve_options

    began = time.perf_counter()
    spec = get_task(request.task)
    # typed task arguments and generation settings: bad values stop here, and the cache key sees typed values
    options = resolve_options(spec, request.options)
    offline = options.offline or offline_requested()
    # Data problems surface before any model loads.
    dataset = checked_dataset(spec, request.dataset, columns=request.columns, limit=request.limit,
                              task_args=options.task_args, model=request.model, offline=offline)
    check_metric_args(spec, request.metric_args)
    if request.output_dir:
        check_run_dir_writable(Path(request.output_dir))

    loaded = load_task(spec.name, request.model, replace(options, offline=offline or options.offline),
                       notify=notify or print_notice, session=session)
    provider = task_provider(spec.name)
    task_config = loaded.config()
    key_description = prediction_key_description(loaded, provider, task_config)
    key = config_key(key_description)
    run_key = hashlib.sha256(canonical_json({
        "config": key, "dataset": dataset.identity(), "ids": dataset.ids_sha256(), "limit": request.limit,
        "metric_args": request.metric_args, "seed": request.seed, "bootstrap": request.n_bootstrap,
    }).encode()).hexdigest()
    run_dir = Path(request.output_dir) if request.output_dir else default_run_dir(spec.name, dataset, loaded.model.name, run_key)
    check_run_dir_writable(run_dir)

    seed_everything(request.seed)
    from nlpsuite.batching import progress_bar

    bar = progress_bar(len(dataset.samples), quiet=options.quiet, desc=f"eval {spec.name}")
    cache = GuardedCache.open_default(warn=warn) if request.use_cache else None
    try:
        if cache is not None:
            cache.remember_config(key, key_description)
        outputs, stats = predict_with_cache(loaded, dataset, cache=cache, key=key, on_progress=bar, engine=engine)
    except KeyboardInterrupt:
        if cache is not None:
            stored = len(cache.lookup(key, dataset.identity(), [(s["id"], input_hash(s["input"])) for s in dataset.samples]))
            print(f"nlpsuite: {stored} of {len(dataset.samples)} predictions are stored; "
                  "rerun the same command to resume", file=sys.stderr)
        raise
    finally:
        bar.close()
        if cache is not None:
            cache.close()

    columns = SampleColumns.from_outputs(spec, dataset.samples, outputs)
    status = run_status(columns)
    mismatch: LabelMismatchError | None = None
    try:
        scored, scores = score_run(spec, columns, metric_args=request.metric_args, seed=request.seed,
                                   n_bootstrap=request.n_bootstrap, label_map=request.label_map, warn=warn)
    except LabelMismatchError as exc:
        mismatch = exc
        scored, scores = {"metrics": {}}, _no_scores
        status = {"status": "labels do not match", "first_error": exc.message}
    wall_s = time.perf_counter() - began
    device = loaded.model.device
    results = {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "task": spec.name,
        "dataset": dataset.describe(),
        "model": loaded.model.to_dict(),
        "config": {
            "task": task_config,
            "batch_size": loaded.batch_size,
            "gen_kwargs": dict(options.generation),
            "task_args": dict(options.task_args),
            "metric_args": {k: dict(v) for k, v in request.metric_args.items()},
            "label_map": dict(request.label_map),
            "seed": request.seed,
            "limit": request.limit,
        },
        **status,
        **scored,
        "runtime": {
            "wall_s": round(wall_s, 3),
            "predict_s": round(stats.predict_s, 3),
            "samples_per_s": round(stats.predicted / stats.predict_s, 2) if stats.predict_s > 0 else None,
            "batch_size": loaded.batch_size,
            "batch_size_requested": options.batch_size or "auto",
            "n_batches": stats.n_batches,
            "cached_samples": stats.cached,
            "predicted_samples": stats.predicted,
            "failed_samples": columns.n_failed,
            "device": device,
            "engine": (engine or LocalEngine()).describe(),
            "cache_key": key,
        },
        "reproducibility": reproducibility_record(seed=request.seed, device=device, command=request.command,
                                                  plugin_package=provider.get("distribution")),
        "reportable": request.limit is None and status["status"] == "complete",
        "created": utc_timestamp(),
    }
    results["warnings"] = [*(cache.warnings if cache is not None else []), *scored.get("warnings", [])]
    del columns  # writing the rows needs only the dataset records, the outputs and the score arrays
    with run_dir_lock(run_dir, "eval"):  # a rescore of this directory never sees half of this run
        write_run(run_dir, results, sample_rows(dataset.samples, outputs, scores))
        if mismatch is not None:
            raise LabelMismatchError(
                mismatch.message,
                hint=f"{mismatch.hint}; predictions are stored: `nlpsuite rescore {run_dir} --label-map ...` scores them",
            )
        reports, report_error = _write_reports(run_dir)
    return EvalOutcome(run_dir=run_dir, results=results, reports=reports, report_error=report_error)


def _write_reports(run_dir: Path) -> tuple[list[Path], str | None]:
    """Reports come after results are safely written; a report failure never loses the results."""
    try:
        from nlpsuite.evaluation.report import write_reports

        return list(write_reports(run_dir)), None
    except Exception as exc:  # noqa: BLE001 - results.json is the product; the report is a view of it
        return [], f"{type(exc).__name__}: {exc}"


def _recorded_bootstrap(results: Mapping[str, Any]) -> int:
    for metric in (results.get("metrics") or {}).values():
        resamples = (metric.get("ci") or {}).get("n_resamples") if isinstance(metric, dict) else None
        if isinstance(resamples, int) and resamples > 0:
            return resamples
    return DEFAULT_BOOTSTRAP


def rescore_run(
    run_dir: Path,
    *,
    metric_args: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = None,
    n_bootstrap: int | None = None,
    label_map: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = print_warning,
) -> EvalOutcome:
    """Recompute metrics (and reports) of a run directory from its stored predictions; loads no model.

    ``metric_args``, ``seed``, ``n_bootstrap`` and ``label_map`` default to those the run was made with.
    """
    from nlpsuite.registry import get_task

    directory = Path(run_dir)
    if not directory.is_dir():
        read_run(directory)  # says what is wrong with the path
    # held while the rows are read and rewritten: an eval writing this directory meanwhile waits
    with run_dir_lock(directory, "rescore"):
        record: RunRecord = read_run(directory)
        results = record.results
        spec = get_task(results["task"])
        config = results.setdefault("config", {})
        if metric_args is None:
            metric_args = config.get("metric_args") or {}
        else:
            check_metric_args(spec, metric_args)
        if seed is None:
            seed = int(config.get("seed") or 0)
        if n_bootstrap is None:
            n_bootstrap = _recorded_bootstrap(results)
        if label_map is None:
            label_map = config.get("label_map") or {}
        columns = SampleColumns.from_rows(spec, record.iter_samples())
        for stale in ("labels", "warnings", "first_error"):
            results.pop(stale, None)
        scored, scores = score_run(spec, columns, metric_args=metric_args, seed=seed, n_bootstrap=n_bootstrap,
                                   label_map=label_map, warn=warn)
        results.update(scored)
        results.update(run_status(columns))
        del columns  # the predictions read back: the rows are streamed again to be rewritten
        config["metric_args"] = {k: dict(v) for k, v in metric_args.items()}
        config["label_map"] = dict(label_map)
        config["seed"] = seed
        results["reportable"] = config.get("limit") is None and results["status"] == "complete"
        results["rescored"] = utc_timestamp()
        write_run(record.directory, results, _rescored_rows(record, scores))
        reports, report_error = _write_reports(record.directory)
        return EvalOutcome(run_dir=record.directory, results=results, reports=reports, report_error=report_error)


def _rescored_rows(record: RunRecord, scores: Callable[[int], dict[str, float]]) -> Iterator[dict[str, Any]]:
    """The stored rows with new ``scores``, streamed from the samples.jsonl they will replace."""
    for index, row in enumerate(record.iter_samples()):
        row["scores"] = scores(index)
        yield row
