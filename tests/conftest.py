"""Test-wide settings: never touch the network, never leave a registry behind."""

from __future__ import annotations

import os
import tempfile

# Before anything imports huggingface_hub (it reads these at import).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
# Predictions a test stores never land in (or come from) the user's cache.
os.environ["NLPSUITE_CACHE_DIR"] = tempfile.mkdtemp(prefix="nlpsuite-test-cache-")
os.environ.pop("NLPSUITE_LOAD_PLUGINS", None)
os.environ.pop("NLPSUITE_STRICT_PLUGINS", None)

# Shared fixtures: tiny models built once per session.
pytest_plugins = [
    "nlpsuite.testing.fixtures",
    "tests.fixtures_seq2seq",
    "tests.fixtures_classifier",
    "tests.fixtures_audit",
    "tests.fixtures_causal_lm",
    "tests.fixtures_web",
]
