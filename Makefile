# Two commands do all the set-up on a fresh machine:
#   make eval   # creates .venv, installs, runs the main job offline on the embedded model
#   make test   # creates .venv, installs, runs the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The CPU build of torch: a plain `torch` requirement would pull multi-GB CUDA wheels.
TORCH_SPEC ?= torch==2.13.0

export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup eval test clean

$(STAMP): pyproject.toml plugins/nlpsuite-keywords/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	# fast: onnxruntime + onnx (about 37 MB of wheels), so CI runs the --runtime onnx tests
	$(BIN)/python -m pip install -q -e ".[test,fast]"
	# the example third-party plugin, installed as its own distribution (tested in CI)
	$(BIN)/python -m pip install -q -e plugins/nlpsuite-keywords
	touch $(STAMP)

setup: $(STAMP)

eval: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/nlpsuite eval --task sentiment --offline --output-dir nlpsuite-runs/sentiment-sample

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) nlpsuite-runs .pytest_cache
