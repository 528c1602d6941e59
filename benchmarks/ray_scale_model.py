"""A cost model of a big ``--engine ray`` run: where the driver, the cache and scoring become the bottleneck.

Measures, on this machine, what the *driver* pays per sample in each stage that
stays on it (nothing here needs Ray or a model), then extrapolates to a
cluster: ``--nodes`` nodes × ``--workers-per-node`` actors, each answering
``--worker-rate`` samples/s (default: the embedded MiniLM sentiment model on one
CPU thread, measured by ``benchmarks/ray_engine_speed.py``), over ``--samples``.

Driver stages, per sample (sentiment-shaped records and outputs):

* ship: JSON-encode the record into an Arrow block (``RayEngine.predict_batches``);
* receive: decode the output JSON, check the index (``RayEngine._received``);
* commit: the SQLite cache ``store`` in batches of ``--batch-size`` (one transaction each);
* lookup: the cache ``lookup`` at start (a resumed or repeated run reads every stored row);
* hash: the input hash the cache key needs;
* score: ``score_run`` (accuracy + macro-F1 with a 1,000-resample bootstrap), measured at
  two sizes and extrapolated linearly;
* write: ``samples.jsonl`` (``write_run``).

    .venv/bin/python benchmarks/ray_scale_model.py [--samples 10000000] [--nodes 100] [--workers-per-node 8]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RECORD = {"text": "a quietly moving film whose best moments come from its cast rather than its script ."}
OUTPUT = {"label": "positive", "score": 0.912345, "scores": {"negative": 0.087655, "positive": 0.912345}}


def per_sample(seconds: float, n: int) -> float:
    return seconds / n


def measure(n: int, batch_size: int) -> dict[str, float]:
    import pyarrow as pa

    from nlpsuite.evaluation.dataset import input_hash
    from nlpsuite.evaluation.prediction_cache import PredictionCache
    from nlpsuite.evaluation.results import write_run
    from nlpsuite.evaluation.runner import score_run
    from nlpsuite.evaluation.sample_columns import SampleColumns
    from nlpsuite.registry import get_task

    costs: dict[str, float] = {}
    records = [dict(RECORD, text=f"{RECORD['text']} {i}") for i in range(n)]

    began = time.perf_counter()
    for start in range(0, n, batch_size):
        chunk = range(start, min(start + batch_size, n))
        pa.table({"index": pa.array(list(chunk), pa.int64()),
                  "record": pa.array([json.dumps(records[i], ensure_ascii=False) for i in chunk], pa.string())})
    costs["ship"] = per_sample(time.perf_counter() - began, n)

    texts = [json.dumps(OUTPUT) for _ in range(n)]
    began = time.perf_counter()
    seen: set[int] = set()
    outputs = []
    for index, text in enumerate(texts):
        if index not in seen:
            seen.add(index)
            outputs.append(json.loads(text))
    costs["receive"] = per_sample(time.perf_counter() - began, n)

    began = time.perf_counter()
    hashes = [input_hash(r) for r in records]
    costs["hash"] = per_sample(time.perf_counter() - began, n)

    with tempfile.TemporaryDirectory() as directory:
        with PredictionCache(Path(directory) / "cache.sqlite3") as cache:
            began = time.perf_counter()
            for start in range(0, n, batch_size):
                cache.store("k" * 64, "d" * 64, [(f"s{i}", hashes[i], OUTPUT) for i in range(start, min(start + batch_size, n))])
            costs["commit"] = per_sample(time.perf_counter() - began, n)
            began = time.perf_counter()
            cache.lookup("k" * 64, "d" * 64, [(f"s{i}", hashes[i]) for i in range(n)])
            costs["lookup"] = per_sample(time.perf_counter() - began, n)

        spec = get_task("sentiment")
        labels = ("positive", "negative")

        def rows(m: int) -> list[dict]:
            return [{"id": f"s{i}", "input": records[i % n], "input_sha256": hashes[i % n], "references": labels[i % 2],
                     "prediction": dict(OUTPUT, label=labels[(i // 3) % 2]), "error": None, "scores": {}}
                    for i in range(m)]

        import tracemalloc

        tracemalloc.start()
        small = rows(n // 4)
        costs["memory_bytes"] = tracemalloc.get_traced_memory()[0] / (n // 4)  # a record and its output, as a row: at most what the driver holds per sample
        tracemalloc.stop()
        large = rows(n)
        began = time.perf_counter()
        score_run(spec, SampleColumns.from_rows(spec, small), metric_args={}, seed=0, n_bootstrap=1000, warn=lambda _m: None)
        t_small = time.perf_counter() - began
        began = time.perf_counter()
        score_run(spec, SampleColumns.from_rows(spec, large), metric_args={}, seed=0, n_bootstrap=1000, warn=lambda _m: None)
        t_large = time.perf_counter() - began
        costs["score"] = (t_large - t_small) / (n - n // 4)
        costs["score_fixed_s"] = max(0.0, t_large - costs["score"] * n)
        began = time.perf_counter()
        write_run(Path(directory) / "run", {"task": "sentiment"}, large)
        costs["write"] = per_sample(time.perf_counter() - began, n)
    return costs


def model(costs: dict[str, float], *, samples: int, nodes: int, workers_per_node: int, worker_rate: float,
          resumed_fraction: float) -> dict:
    workers = nodes * workers_per_node
    predict_rate = workers * worker_rate
    streaming = costs["ship"] + costs["receive"] + costs["commit"]  # paid while workers predict
    driver_rate = 1.0 / streaming
    stage_rate = min(predict_rate, driver_rate)
    predict_s = samples / stage_rate
    before_s = samples * costs["hash"] + samples * resumed_fraction * costs["lookup"]
    after_s = samples * (costs["score"] + costs["write"]) + costs["score_fixed_s"]
    return {
        "workers": workers,
        "cluster_predict_samples_per_s": round(predict_rate),
        "driver_streaming_samples_per_s": round(driver_rate),
        "bottleneck": "driver (ship + receive + commit)" if driver_rate < predict_rate else "workers (the model)",
        "predict_stage_s": round(predict_s),
        "before_predict_s (hash + cache lookup)": round(before_s),
        "after_predict_s (score + samples.jsonl)": round(after_s),
        "total_s": round(before_s + predict_s + after_s),
        "share_of_time_on_the_driver_only": round((before_s + after_s) / (before_s + predict_s + after_s), 2),
        "driver_memory_gb (records and outputs held)": round(samples * costs["memory_bytes"] / 1e9, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", type=int, default=40_000, help="samples to measure each driver stage on")
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--workers-per-node", type=int, default=8)
    parser.add_argument("--worker-rate", type=float, default=95.0,
                        help="samples/s one actor answers (default: MiniLM sentiment, one CPU thread, measured)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--resumed-fraction", type=float, default=1.0,
                        help="share of samples already in the cache at start (lookup reads them)")
    args = parser.parse_args()
    costs = measure(args.measure, args.batch_size)
    report = {"driver_cost_us_per_sample": {k: round(v * 1e6, 2) for k, v in costs.items()
                                            if k not in ("score_fixed_s", "memory_bytes")},
              "driver_memory_bytes_per_sample": round(costs["memory_bytes"]),
              "measured_on": {"samples": args.measure, "cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)}}
    # the second line assumes actors 50x faster (a GPU each: MiniLM at ~5k samples/s), not measured here
    for label, rate in (("cpu_actors", args.worker_rate), ("actors_50x_faster_eg_gpu", args.worker_rate * 50)):
        report[label] = model(costs, samples=args.samples, nodes=args.nodes, workers_per_node=args.workers_per_node,
                              worker_rate=rate, resumed_fraction=args.resumed_fraction)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
