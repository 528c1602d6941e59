"""``nlpsuite demo``: the web demo, one tab per registered task (needs the ``demo`` extra: gradio)."""

from __future__ import annotations

import argparse
from pathlib import Path

from nlpsuite.cli.options import positive_int
from nlpsuite.errors import UsageError
from nlpsuite.models.encoder_runtime import QUANTIZATIONS, RUNTIMES

HELP = "serve the web demo: a tab per task, plus Evaluate (needs `pip install nlpsuite[demo]`)"
EPILOG = """\
The server listens on 127.0.0.1 unless --host says otherwise; --share asks gradio for a
public link (that contacts gradio's share server). Gradio analytics, its version check and
hub telemetry stay off unless you export GRADIO_ANALYTICS_ENABLED=True / HF_HUB_DISABLE_TELEMETRY=0.
Visitors choose a model only from the task default, registered models and the model
directories found under each --model-dir; typed hub ids only with --allow-hub-models on a
server that is online. Models load on first use and are shared by every tab and user; each
task runs --concurrency batches at once, answering the requests that wait together (up to
--max-batch-size) in one forward pass."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=positive_int, default=None, help="port (default: the first free one from 7860)")
    parser.add_argument("--share", action="store_true", help="also make a public gradio.live link")
    parser.add_argument("--tasks", default="", metavar="A,B", help="only these tasks (default: every registered task)")
    group = parser.add_argument_group("models")
    group.add_argument("--offline", action="store_true", help="never contact the hub (same as HF_HUB_OFFLINE=1)")
    group.add_argument("--device", default=None, help="cpu, cuda, cuda:N, mps or auto (default: auto)")
    group.add_argument("--dtype", default=None, help="float32, float16, bfloat16 or auto (default: auto)")
    group.add_argument("--trust-remote-code", action="store_true", help="allow a model to run its own Python code")
    group.add_argument("--allow-pickle", action="store_true", help="allow pickled (non-safetensors) weights")
    group.add_argument("--model-dir", action="append", type=Path, default=[], metavar="DIR",
                       help="offer the model directories in DIR (or DIR itself) to visitors, by folder name; "
                       "repeatable (how translation and generation run offline)")
    group.add_argument("--allow-hub-models", action="store_true",
                       help="let visitors type a hub id (org/name) when the server is online")
    group.add_argument("--runtime", choices=RUNTIMES, default=None,
                       help="what runs the models: auto (default: the fastest exact runtime measured on this machine, "
                            "shared with the CLI through the cache), torch, onnx or ct2, as on `nlpsuite run`")
    group.add_argument("--quantize", choices=QUANTIZATIONS, default=None,
                       help="int8 weights, on the fastest int8 runtime (onnx or ct2)")
    group.add_argument("--no-warm-up", action="store_true", help="load models on first use only, not at start")
    limits = parser.add_argument_group("limits")
    limits.add_argument("--concurrency", type=positive_int, default=1, metavar="N",
                        help="batches of one task that run at once; more wait in the queue (default 1)")
    limits.add_argument("--model-threads", type=positive_int, default=None, metavar="N",
                        help="threads of a forward pass (default: all cores but one, which serves the page)")
    limits.add_argument("--max-batch-size", type=positive_int, default=64, metavar="N",
                        help="requests of one task and model answered in one forward pass (default 64)")
    limits.add_argument("--max-input-chars", type=positive_int, default=20_000, metavar="N",
                        help="characters one request may carry (default 20000)")
    limits.add_argument("--max-upload-mb", type=positive_int, default=5, metavar="MB",
                        help="size of an uploaded dataset (default 5)")
    limits.add_argument("--runs-dir", type=Path, default=Path("nlpsuite-runs") / "demo",
                        help="where the Evaluate tab writes its run directories (default nlpsuite-runs/demo)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no start-up messages or notices")


def settings_from(args: argparse.Namespace):
    from nlpsuite.web.settings import DemoSettings

    tasks = tuple(t.strip() for t in (args.tasks or "").split(",") if t.strip())
    return DemoSettings(
        host=args.host, port=args.port, share=args.share, tasks=tasks,
        offline=True if args.offline else None, device=args.device, dtype=args.dtype,
        trust_remote_code=args.trust_remote_code, allow_pickle=args.allow_pickle,
        max_input_chars=args.max_input_chars, max_upload_bytes=args.max_upload_mb * 2**20,
        concurrency=args.concurrency, runs_dir=args.runs_dir, warm_up=not args.no_warm_up, quiet=args.quiet,
        max_batch_size=args.max_batch_size, model_dirs=tuple(args.model_dir), allow_hub_models=args.allow_hub_models,
        runtime=args.runtime, quantize=args.quantize, model_threads=args.model_threads,
    )


def run(args: argparse.Namespace) -> int:
    try:
        import gradio  # noqa: F401 - only to say what to install
    except ImportError:
        raise UsageError("the web demo needs gradio, which is not installed",
                         hint='pip install "nlpsuite[demo]"') from None
    from nlpsuite.web.serving import start

    start(settings_from(args), block=True)
    return 0
