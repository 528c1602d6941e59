"""Throughput of ``--engine ray`` (a private local Ray, N actors) against the local engine, on the same data.

The harness's predict stage on the ``sentiment`` task with the embedded
all-MiniLM-L6-v2, over SST-2 dev (872 sentences, ``../shared/data/sst2/sst2_dev.tsv``,
read in place; skipped with exit 0 when absent).  Both engines get the same
loaded task and the same length-sorted records through
``nlpsuite.evaluation.engines.predict_records``, so only the engine differs:

* local: this process, torch on every core (the default), and on one thread;
* ray: ``--num-workers`` actors of ``--cpus-per-worker`` CPUs each; timed as
  start-up (starting the local Ray), first answer (actors loading the model)
  and the whole predict stage.

Predictions are compared (labels must agree; scores may move in the 6th decimal when
thread counts differ).  On a 2-core machine expect no speedup: the figure is Ray's overhead.

    .venv/bin/python benchmarks/ray_engine_speed.py [--data ../shared/data] [--limit N] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def read_sst2(path: Path, limit: int | None) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))[:limit]
    return [{"text": row["sentence"]} for row in rows]


class Timing:
    """The harness's view of an engine: when the first and the last batch arrived."""

    def __init__(self) -> None:
        self.began = time.perf_counter()
        self.first: float | None = None

    def update(self, n: int) -> None:
        if n and self.first is None:
            self.first = time.perf_counter() - self.began


def run_engine(engine, loaded, records: list[dict], batch_size: int) -> tuple[list[dict], dict]:
    from nlpsuite.evaluation.engines import predict_records

    timing = Timing()
    outputs = predict_records(engine, loaded, records, batch_size=batch_size, progress=timing)
    total = time.perf_counter() - timing.began
    return outputs, {"predict_s": round(total, 2), "first_batch_s": round(timing.first or 0.0, 2),
                     "samples_per_s": round(len(records) / total, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cpus-per-worker", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    path = args.data / "sst2" / "sst2_dev.tsv"
    if not path.is_file():
        print(f"skipped: {path} is absent")
        return 0
    try:
        import ray  # noqa: F401
    except ImportError:
        print("skipped: Ray is not installed (pip install 'nlpsuite[ray]')")
        return 0
    import torch

    from nlpsuite.evaluation.engines import EngineSettings, open_engine
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    records = read_sst2(path, args.limit)
    loaded = load_task("sentiment", "all-MiniLM-L6-v2", TaskOptions(quiet=True, batch_size=args.batch_size))
    # the order the harness hands an engine: longest first
    records.sort(key=lambda r: -loaded.text_length(r))
    figures: dict = {"samples": len(records), "batch_size": args.batch_size, "cpus": os.cpu_count(),
                     "load_average": round(os.getloadavg()[0], 2)}

    with open_engine() as engine:
        run_engine(engine, loaded, records[: args.batch_size * 2], args.batch_size)  # warm-up
        local, figures["local_all_threads"] = run_engine(engine, loaded, records, args.batch_size)
        figures["local_all_threads"]["torch_threads"] = torch.get_num_threads()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            local_one, figures["local_one_thread"] = run_engine(engine, loaded, records, args.batch_size)
        finally:
            torch.set_num_threads(threads)

    settings = EngineSettings(name="ray", num_workers=args.workers, cpus_per_worker=args.cpus_per_worker)
    began = time.perf_counter()
    with open_engine(settings) as engine:
        engine.connect()
        started = time.perf_counter() - began
        on_ray, figures["ray"] = run_engine(engine, loaded, records, args.batch_size)
        figures["ray"].update(workers=args.workers, cpus_per_worker=args.cpus_per_worker,
                              ray_start_s=round(started, 2),
                              samples_per_s_after_first_answer=round(
                                  (len(records) - args.batch_size) /
                                  max(1e-9, figures["ray"]["predict_s"] - figures["ray"]["first_batch_s"]), 1))
    figures["labels_agree_with_local"] = all(a.get("label") == b.get("label") for a, b in zip(local, on_ray))
    figures["identical_to_local_one_thread"] = local_one == on_ray
    figures["max_score_difference"] = max(abs(a.get("score", 0) - b.get("score", 0)) for a, b in zip(local, on_ray))
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
