"""What a demo server was started with: where it listens, its limits and its safety switches."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nlpsuite.specs import TaskOptions

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
#: Characters of text one request may carry (all its text and JSON fields together).
DEFAULT_MAX_INPUT_CHARS = 20_000
#: Bytes an uploaded dataset may have.
DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Requests of one task that run at once; more wait in the queue.  Each task's model is
#: shared by every user, and a CPU runs one forward pass best at a time.
DEFAULT_CONCURRENCY = 1
#: Samples an Evaluate run may have.
DEFAULT_MAX_EVAL_SAMPLES = 2_000
#: Requests of one task and model answered in one forward pass.  Gradio gathers the requests waiting in
#: the queue when the model is free (no added wait), so a lone user is answered at once and a crowd in
#: batches; 64 short sentences take about as long on a CPU core as a few single ones.
DEFAULT_MAX_BATCH_SIZE = 64

#: Gradio reads these at import; set before it is imported, unless the user chose otherwise.
GRADIO_PRIVACY_DEFAULTS = {
    "GRADIO_ANALYTICS_ENABLED": "False",  # also turns off gradio's version check (same switch)
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


@dataclass(frozen=True)
class DemoSettings:
    """Everything ``nlpsuite demo`` was asked for.

    ``tasks`` limits the tabs to those names (empty: every registered task).
    ``offline`` ``None`` follows ``HF_HUB_OFFLINE`` when the server starts; the
    flag is held by the server's session and applies to every request, never by
    changing the environment per request.  ``trust_remote_code`` and
    ``allow_pickle`` are off unless given, as on the command line.

    Visitors choose models only from what the operator offers: the task's
    default, registered models, the model directories found under each of
    ``model_dirs``, and typed hub ids only with ``allow_hub_models`` on a server
    that is online.  ``runtime``/``quantize`` apply to every model the server loads.
    """

    host: str = DEFAULT_HOST
    port: int | None = None
    share: bool = False
    tasks: tuple[str, ...] = ()
    offline: bool | None = None
    device: str | None = None
    dtype: str | None = None
    trust_remote_code: bool = False
    allow_pickle: bool = False
    max_input_chars: int = DEFAULT_MAX_INPUT_CHARS
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_eval_samples: int = DEFAULT_MAX_EVAL_SAMPLES
    concurrency: int = DEFAULT_CONCURRENCY
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    model_dirs: tuple[Path, ...] = ()
    allow_hub_models: bool = False
    runtime: str | None = None
    quantize: str | None = None
    model_threads: int | None = None  # None: all cores but one (see serving.model_threads)
    runs_dir: Path = field(default_factory=lambda: Path("nlpsuite-runs") / "demo")
    warm_up: bool = True
    quiet: bool = False

    def task_options(self) -> TaskOptions:
        """The options every request starts from (a tab adds its task arguments)."""
        from nlpsuite.models.encoder_runtime import runtime_model_args

        return TaskOptions(
            device=self.device,
            dtype=self.dtype,
            offline=bool(self.offline),
            trust_remote_code=self.trust_remote_code,
            allow_pickle=self.allow_pickle,
            quiet=True,
            model_args=runtime_model_args(self.runtime, self.quantize),
        )


#: Gradio's queue builds a pandas DataFrame of its last (by default 10,000) events every time one completes,
#: for a monitoring page this server never enables: under 16 users that was most of the server's CPU and a
#: steady growth of its memory.  Records stay few and the summary is never computed, unless exported otherwise.
GRADIO_QUEUE_DEFAULTS = {
    "GRADIO_ANALYTICS_MAX_EVENTS": "100",
    "GRADIO_ANALYTICS_CACHE_FREQUENCY": str(10**12),
}


def apply_gradio_privacy_defaults() -> None:
    """No analytics, no version check, no hub telemetry, no per-event monitoring summary, unless the user
    exported otherwise (read by gradio when it is imported or its queue is made)."""
    for name, value in {**GRADIO_PRIVACY_DEFAULTS, **GRADIO_QUEUE_DEFAULTS}.items():
        os.environ.setdefault(name, value)


def analytics_enabled() -> bool:
    """Whether the user turned gradio's analytics (and its version check) on."""
    return os.environ.get("GRADIO_ANALYTICS_ENABLED", "False") == "True"
