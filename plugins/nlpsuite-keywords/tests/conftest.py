import os

# the example plugin is tested offline, on nlpsuite's embedded model
os.environ.setdefault("HF_HUB_OFFLINE", "1")

pytest_plugins = ["nlpsuite.testing.fixtures"]
