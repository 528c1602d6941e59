"""Defaults that keep nlpsuite from phoning home: no telemetry, no analytics.

Set before huggingface_hub or gradio are imported (they read these at import).
A user who exports a different value keeps it.
"""

from __future__ import annotations

import os
import sys

PRIVACY_DEFAULTS = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DISABLE_TELEMETRY": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def apply_privacy_defaults() -> None:
    for name, value in PRIVACY_DEFAULTS.items():
        os.environ.setdefault(name, value)


def enable_offline_mode() -> None:
    """Make every Hugging Face library stay off the network for this process."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    # huggingface_hub reads the variable at import; patch it if already imported.
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = True


def offline_requested() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
