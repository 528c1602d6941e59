"""``nlpsuite audit``: run a task on originals and counterfactual variants, compare, report.

Stages: dataset (the harness's resolution) → variants (registered
perturbations) → predict (through ``load_task``/``LoadedTask.predict`` and the
harness's per-sample prediction cache, so an interrupted audit resumes and the
originals reuse predictions an ``eval`` of the same data already stored) →
comparators chosen by the task's declared output types → ``audit.json``,
``pairs.jsonl``, ``audit.md``, ``audit.html``.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.evaluation.provenance import utc_timestamp
from nlpsuite.evaluation.audit.comparators import (
    Pair,
    compare_labels,
    compare_scores,
    compare_texts,
    group_metrics,
    score_series,
    text_rows,
)
from nlpsuite.evaluation.audit.counterfactuals import VariantSet, groups_of, input_directions, make_variants
from nlpsuite.evaluation.audit.statistics import MIN_INPUTS, ClusterBootstrap, excludes_zero, holm
from nlpsuite.session import Session
from nlpsuite.specs import PerturbationSpec, TaskOptions, TaskSpec

AUDIT_SCHEMA_VERSION = 1
AUDIT_JSON = "audit.json"
PAIRS_JSONL = "pairs.jsonl"
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
LABEL_TYPES = ("label", "labels")
TEXT_TYPES = ("text", "text_list")


@dataclass(frozen=True)
class AuditRequest:
    """Everything ``nlpsuite audit`` was asked for.

    ``perturbations``: registered perturbation names (empty: all registered).
    ``output_language``: language of the task's text outputs and references when
    it differs from ``input_language`` (default: the ``tgt_lang`` task argument
    when given, else the input language); it picks the word lists that swap
    outputs back.  ``embedding_model``: encoder for swap-back cosine (``None``: off).
    """

    task: str
    model: str | None = None
    dataset: str | None = None
    columns: str | Mapping[str, str] | None = None
    limit: int | None = None
    perturbations: Sequence[str] = ()
    options: TaskOptions = field(default_factory=TaskOptions)
    seed: int = 0
    n_bootstrap: int = 1000
    min_inputs: int = MIN_INPUTS
    output_dir: Path | None = None
    use_cache: bool = True
    input_language: str = "en"
    output_language: str | None = None
    embedding_model: str | None = DEFAULT_EMBEDDING_MODEL
    top_examples: int = 5
    command: str | None = None


@dataclass
class AuditOutcome:
    run_dir: Path
    results: dict[str, Any]
    pairs: list[dict[str, Any]]
    reports: list[Path]
    report_error: str | None = None


def chosen_perturbations(names: Sequence[str]) -> list[PerturbationSpec]:
    from nlpsuite.registry import get_perturbation, get_perturbations

    if not names:
        found = get_perturbations()
        if not found:
            raise UsageError("no perturbations are registered", hint="install a plugin that registers perturbations")
        return found
    specs = []
    for name in names:
        spec = get_perturbation(name)
        if not input_directions(spec):
            raise UsageError(f"perturbation {name!r} declares no directions to apply to inputs",
                             hint="its PerturbationSpec must list directions such as 'male->female'")
        specs.append(spec)
    return specs


def _output_language(request: AuditRequest, task_args: Mapping[str, Any]) -> str | None:
    language = request.output_language or task_args.get("tgt_lang")
    language = str(language).strip() if language else None
    return None if not language or language == request.input_language else language


def _provenance(spec: PerturbationSpec) -> list[dict[str, Any]]:
    from nlpsuite.registry import provider_of

    lists = [dict(entry) for entry in spec.provenance()] if spec.provenance is not None else []
    return [{"plugin": provider_of("perturbations", spec.name), **entry} for entry in lists] or \
        [{"plugin": provider_of("perturbations", spec.name), "note": "the perturbation gives no word-list provenance"}]


def run_audit(
    request: AuditRequest,
    *,
    notify: Callable[[str], None] | None = None,
    session: Session | None = None,
    engine: Any = None,
) -> AuditOutcome:
    """Run the audit in ``session`` and write its directory.

    ``engine`` runs the predict stage (``nlpsuite.evaluation.engines``; default: in this process);
    originals and every variant go out in one call, so a Ray engine loads the model once per actor.
    """
    from nlpsuite._privacy import offline_requested
    from nlpsuite.evaluation.dataset import checked_dataset
    from nlpsuite.evaluation.provenance import reproducibility_record, task_provider
    from nlpsuite.evaluation.runner import prediction_key_description
    from nlpsuite.evaluation.runner import seed_everything
    from nlpsuite.registry import get_task
    from nlpsuite.runtime import load_task, print_notice, resolve_options

    began = time.perf_counter()
    spec = get_task(request.task)
    options = resolve_options(spec, request.options)
    offline = options.offline or offline_requested()
    dataset = checked_dataset(spec, request.dataset, columns=request.columns, limit=request.limit,
                              task_args=options.task_args, model=request.model, offline=offline)
    if request.output_dir:
        from nlpsuite.evaluation.run_dir_check import check_run_dir_writable

        check_run_dir_writable(Path(request.output_dir))  # before the model loads
    perturbations = chosen_perturbations(request.perturbations)
    output_language = _output_language(request, options.task_args)
    variants = make_variants(spec, dataset.samples, perturbations, reference_language=output_language)
    if not variants.variants:
        raise UsageError(
            f"none of the {len(dataset.samples)} inputs has anything to swap for perturbations "
            f"{', '.join(p.name for p in perturbations)}",
            hint="audit inputs that mention gendered words or first names, or choose other perturbations (--perturbations on the command line)",
        )

    loaded = load_task(spec.name, request.model, replace(options, offline=offline or options.offline),
                       notify=notify or print_notice, session=session)
    provider = task_provider(spec.name)
    task_config = loaded.config()
    # the same description the harness keys eval predictions by, so originals reuse an eval's predictions
    key_description = prediction_key_description(loaded, provider, task_config)
    outputs, predict_stats = _predict(loaded, dataset, variants, key_description, use_cache=request.use_cache,
                                      engine=engine)

    from nlpsuite.evaluation.prediction_cache import canonical_json
    from nlpsuite.evaluation.runner import default_run_dir

    run_key = hashlib.sha256(canonical_json({
        "config": key_description, "dataset": dataset.identity(), "ids": dataset.ids_sha256(),
        "limit": request.limit, "perturbations": [p.name for p in perturbations], "seed": request.seed,
        "bootstrap": request.n_bootstrap, "min_inputs": request.min_inputs, "output_language": output_language,
    }).encode()).hexdigest()
    run_dir = Path(request.output_dir) if request.output_dir else \
        default_run_dir(f"audit-{spec.name}", dataset, loaded.model.name, run_key)
    from nlpsuite.evaluation.run_dir_check import check_run_dir_writable

    check_run_dir_writable(run_dir)  # as eval does: an unusable directory is found before any prediction

    seed_everything(request.seed)
    embed = _embedder(request, options, session) if any(f.type in TEXT_TYPES for f in spec.output_fields) else None
    originals = {s["id"]: s for s in dataset.samples}
    sections: dict[str, Any] = {}
    pair_log: list[dict[str, Any]] = []
    for perturbation in perturbations:
        section, logged = audit_perturbation(
            spec, perturbation, variants, originals, outputs, request=request,
            output_language=output_language, embed=embed,
        )
        sections[perturbation.name] = section
        pair_log.extend(logged)
    findings = _findings(sections)

    wall_s = time.perf_counter() - began
    results = {
        "schema_version": AUDIT_SCHEMA_VERSION,
        "kind": "audit",
        "task": spec.name,
        "dataset": dataset.describe(),
        "model": loaded.model.to_dict(),
        "config": {
            "perturbations": [p.name for p in perturbations],
            "seed": request.seed,
            "bootstrap": request.n_bootstrap,
            "min_inputs": request.min_inputs,
            "input_language": request.input_language,
            "output_language": output_language or request.input_language,
            "embedding_model": request.embedding_model if embed is not None else None,
            "task": task_config,
            "task_args": dict(options.task_args),
            "gen_kwargs": dict(options.generation),
            "limit": request.limit,
            "comparators": comparator_plan(spec),
            "statistics": STATISTICS_NOTE,
        },
        "counts": {
            "inputs": len(dataset.samples),
            "inputs_with_variants": len(variants.originals()),
            "inputs_skipped_everywhere": len(dataset.samples) - len(variants.originals()),
            "variants": len(variants.variants),
        },
        "perturbations": sections,
        "findings": findings,
        "runtime": {
            "wall_s": round(wall_s, 3),
            "predict_s": round(predict_stats.predict_s, 3),
            "predicted_samples": predict_stats.predicted,
            "cached_samples": predict_stats.cached,
            "batch_size": loaded.batch_size,
            "device": loaded.model.device,
        },
        "reproducibility": reproducibility_record(seed=request.seed, device=loaded.model.device,
                                                  command=request.command,
                                                  plugin_package=provider.get("distribution")),
        "reportable": request.limit is None,
        "created": utc_timestamp(),
    }
    import json

    from nlpsuite.jsonl import write_atomic, write_jsonl_atomic

    from nlpsuite.evaluation.run_lock import run_dir_lock

    with run_dir_lock(run_dir, "audit"):  # one writer at a time: audit.json and pairs.jsonl describe one audit
        write_jsonl_atomic(run_dir / PAIRS_JSONL, pair_log)
        write_atomic(run_dir / AUDIT_JSON, json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
        reports, report_error = _write_reports(run_dir)
    return AuditOutcome(run_dir=run_dir, results=results, pairs=pair_log, reports=reports, report_error=report_error)


STATISTICS_NOTE = (
    "flip rate: Wilson score 95% CI (cluster bootstrap when an input has several variants in a slice); "
    "paired test: McNemar exact (two-sided binomial on discordant pairs), Holm-adjusted across every "
    "direction and label field of the audit; score changes, group metrics and swap-back similarity: "
    "seeded percentile bootstrap resampling original inputs; slices with fewer than min_inputs original "
    "inputs: 'insufficient evidence', no estimate"
)


def comparator_plan(spec: TaskSpec) -> dict[str, str]:
    """Which comparator each declared output field gets (by its type)."""
    plan = {}
    for f in spec.output_fields:
        if f.type in LABEL_TYPES:
            plan[f.name] = "labels: flip rate, McNemar exact test"
        elif f.type == "number":
            plan[f.name] = "score: mean change"
        elif f.type == "json":
            plan[f.name] = "scores by key (when {label: number}): mean change"
        elif f.type in TEXT_TYPES:
            plan[f.name] = "generated text: swap-back chrF and cosine, gendered-term faithfulness"
    if spec.bindings:
        plan["(task metrics)"] = "per group: " + ", ".join(spec.metric_keys)
    return plan


def _predict(loaded: Any, dataset: Any, variants: VariantSet, key_description: Mapping[str, Any], *,
             use_cache: bool, engine: Any = None) -> tuple[dict[str, dict[str, Any]], Any]:
    from nlpsuite.batching import progress_bar
    from nlpsuite.evaluation.dataset import EvalDataset, input_hash
    from nlpsuite.evaluation.prediction_cache import PredictionCache, config_key
    from nlpsuite.evaluation.runner import predict_with_cache

    wanted = variants.originals()
    samples = [s for s in dataset.samples if s["id"] in wanted]
    samples += [{"id": v.id, "input": v.input, "references": v.references} for v in variants.variants]
    combined = EvalDataset(dataset.name, dataset.source, dataset.version, samples, dict(dataset.columns))
    key = config_key(dict(key_description))
    cache = PredictionCache.open_default() if use_cache else None
    bar = progress_bar(len(samples), quiet=loaded.options.quiet, desc=f"audit {loaded.spec.name}")
    try:
        if cache is not None:
            cache.remember_config(key, key_description)
        results, stats = predict_with_cache(loaded, combined, cache=cache, key=key, on_progress=bar, engine=engine)
    except KeyboardInterrupt:
        if cache is not None:
            stored = len(cache.lookup(key, combined.identity(), [(s["id"], input_hash(s["input"])) for s in samples]))
            print(f"nlpsuite: {stored} of {len(samples)} predictions are stored; rerun the same command to resume",
                  file=sys.stderr)
        raise
    finally:
        bar.close()
        if cache is not None:
            cache.close()
    return {s["id"]: r for s, r in zip(samples, results)}, stats


def _embedder(request: AuditRequest, options: TaskOptions, session: Session | None):
    if not request.embedding_model:
        return None
    from nlpsuite.models.loading import load_sentence_transformer
    from nlpsuite.models.reference import parse_model_reference
    from nlpsuite.models.sentence_encoder import embed
    from nlpsuite.session import session_of

    model_options = (session or session_of(options)).options(replace(options, task_args={}, generation={}))
    model = load_sentence_transformer(parse_model_reference(request.embedding_model), model_options)

    def run(texts: list[str]) -> list[list[float]]:
        return embed(model, texts).cpu().tolist()

    return run


def audit_perturbation(
    spec: TaskSpec,
    perturbation: PerturbationSpec,
    variants: VariantSet,
    originals: Mapping[str, Mapping[str, Any]],
    outputs: Mapping[str, Mapping[str, Any]],
    *,
    request: AuditRequest,
    output_language: str | None,
    embed: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every comparator for one perturbation, pooled and per direction, plus its pair log rows."""
    mine = [v for v in variants.variants if v.perturbation == perturbation.name]
    pairs: list[Pair] = []
    log: list[dict[str, Any]] = []
    failed = 0
    for v in mine:
        original = originals[v.original_id]
        a, b = outputs.get(v.original_id) or {"error": "no output"}, outputs.get(v.id) or {"error": "no output"}
        row = {
            "original_id": v.original_id, "variant_id": v.id, "perturbation": v.perturbation,
            "direction": v.direction, "source_group": v.source_group, "target_group": v.target_group,
            "original_input": original["input"], "variant_input": v.input,
            "substitutions": [s.to_dict() for s in v.swaps],
            "original_references": original.get("references"), "variant_references": v.references,
            "original_output": a, "variant_output": b, "compared": {},
        }
        if "error" in a or "error" in b:
            failed += 1
            row["error"] = a.get("error") or b.get("error")
            log.append(row)
            continue
        pairs.append(Pair(v, original["input"], original.get("references"), a, b))
        log.append(row)
    logged = [r for r in log if "error" not in r]
    directions = input_directions(perturbation)
    by_direction = {d: [i for i, p in enumerate(pairs) if p.variant.direction == d] for d in directions}
    boot = ClusterBootstrap([p.cluster for p in pairs], request.n_bootstrap, request.seed)
    min_inputs = request.min_inputs
    section: dict[str, Any] = {
        "description": perturbation.description,
        "directions": directions,
        "groups": groups_of(perturbation),
        "word_lists": _provenance(perturbation),
        "counts": {
            "inputs": variants.n_inputs,
            "changed": dict(variants.changed.get(perturbation.name, {})),
            "skipped": variants.skipped.get(perturbation.name, 0),
            "variants": len(mine),
            "failed_pairs": failed,
            "substitutions": sum(v.n_substitutions for v in mine),
        },
        "labels": {}, "scores": {}, "text": {},
    }

    def subset(indices: list[int]) -> list[Pair]:
        return [pairs[i] for i in indices]

    for f in spec.output_fields:
        if f.type in LABEL_TYPES:
            section["labels"][f.name] = {
                "pooled": compare_labels(f.name, pairs, boot, min_inputs=min_inputs, paired_test=False),
                "directions": {d: compare_labels(f.name, subset(ix), boot, min_inputs=min_inputs, paired_test=True)
                               for d, ix in by_direction.items()},
            }
            for pair_index, pair in enumerate(pairs):
                logged[pair_index]["compared"][f"{f.name}_flipped"] = \
                    str(pair.original_output.get(f.name)) != str(pair.variant_output.get(f.name))
        elif f.type in ("number", "json"):
            for name, series in score_series(f.name, f.type, pairs).items():
                section["scores"][name] = {
                    "pooled": compare_scores(series, pairs, boot, min_inputs=min_inputs, signed=False),
                    "directions": {d: compare_scores([s for s in series if pairs[s[0]].variant.direction == d],
                                                     pairs, boot, min_inputs=min_inputs) for d in directions},
                }
                for pair_index, delta in series:
                    logged[pair_index]["compared"][f"{name}_change"] = delta
        elif f.type in TEXT_TYPES:
            rows = text_rows(f.name, pairs, perturbation, output_language=output_language, embed=embed)
            section["text"][f.name] = {
                "pooled": compare_texts(rows, pairs, boot, min_inputs=min_inputs),
                "directions": {d: compare_texts([rows[i] for i in ix], subset(ix), boot, min_inputs=min_inputs)
                               for d, ix in by_direction.items()},
            }
            for pair_index, row in enumerate(rows):
                logged[pair_index]["compared"][f.name] = row
    section["group_metrics"] = group_metrics(spec, pairs, groups_of(perturbation), boot, min_inputs=min_inputs)
    section["examples"] = _examples(spec, logged, request.top_examples)
    return section, log


def failure_score(spec: TaskSpec, row: Mapping[str, Any]) -> tuple[int, float]:
    """Sort key: failing pairs first (flipped labels, then lowest swap-back chrF), biggest changes first."""
    compared = row.get("compared") or {}
    flipped = any(v for k, v in compared.items() if k.endswith("_flipped"))
    change = max((abs(v) for k, v in compared.items() if k.endswith("_change") and isinstance(v, (int, float))),
                 default=0.0)
    chrf = min((v.get("chrf", 100.0) for v in compared.values() if isinstance(v, Mapping)), default=100.0)
    failing = flipped or chrf < 100.0
    return (0 if failing else 1, -(change + (100.0 - chrf)))


def _examples(spec: TaskSpec, rows: list[dict[str, Any]], top: int) -> dict[str, list[dict[str, Any]]]:
    ordered = sorted(rows, key=lambda r: failure_score(spec, r))
    failing = [r for r in ordered if failure_score(spec, r)[0] == 0][:top]
    passing = [r for r in reversed(ordered) if failure_score(spec, r)[0] == 1][:top]
    return {"failing": failing, "passing": passing}


def _findings(sections: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the audit flags: label shifts significant after Holm's correction, score changes and group metric
    differences whose 95% CI excludes 0.  Holm-adjusted p-values are written back into each test."""
    tests = []
    for name, section in sections.items():
        for field_name, block in section["labels"].items():
            for direction, result in block["directions"].items():
                test = result.get("paired_test")
                if test:
                    tests.append((name, field_name, direction, result, test))
    adjusted = holm([t[4]["p_value"] for t in tests])
    findings = []
    for (name, field_name, direction, result, test), p_adj in zip(tests, adjusted):
        test["p_holm"] = p_adj
        test["significant_holm"] = p_adj < test.get("alpha", 0.05)
        if test["significant_holm"]:
            findings.append({
                "perturbation": name, "direction": direction, "field": field_name, "kind": "label shift",
                "flip_rate": result["flip_rate"]["value"], "flip_ci": result["flip_rate"]["ci"],
                "toward_label": test.get("toward_label"), "p_holm": p_adj,
            })
    for name, section in sections.items():
        for score_name, block in section["scores"].items():
            for direction, result in block["directions"].items():
                if excludes_zero(result.get("ci")):
                    findings.append({"perturbation": name, "direction": direction, "field": score_name,
                                     "kind": "score change", "mean_change": result["mean_change"], "ci": result["ci"]})
        for metric, block in section["group_metrics"].items():
            difference = block.get("difference") or {}
            if excludes_zero(difference.get("ci")):
                findings.append({"perturbation": name, "field": metric, "kind": "group difference",
                                 "groups": difference["groups"], "difference": difference["value"],
                                 "ci": difference["ci"], "worst_group": block.get("worst_group")})
    return findings


def _write_reports(run_dir: Path) -> tuple[list[Path], str | None]:
    try:
        from nlpsuite.evaluation.audit.report import write_audit_reports

        return list(write_audit_reports(run_dir)), None
    except Exception as exc:  # noqa: BLE001 - audit.json is the product; the report is a view of it
        return [], f"{type(exc).__name__}: {exc}"
