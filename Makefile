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

.PHONY: setup eval test test-ray clean

$(STAMP): pyproject.toml plugins/nlpsuite-keywords/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	# demo: gradio; fast: onnxruntime + onnx (about 37 MB of wheels); ct2: ctranslate2 (42 MB), so CI runs the web,
	# --runtime onnx and --runtime ct2 tests
	$(BIN)/python -m pip install -q -e ".[test,demo,fast,ct2]"
	# the example third-party plugin, installed as its own distribution (tested in CI)
	$(BIN)/python -m pip install -q -e plugins/nlpsuite-keywords
	touch $(STAMP)

setup: $(STAMP)

eval: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/nlpsuite eval --task sentiment --offline --output-dir nlpsuite-runs/sentiment-sample

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

# The Ray engine's tests need the ray extra and about 5 minutes on 2 cores (4m37s measured; each starts local Rays and
# actors), so CI (`make test`) does not install it and they skip there; run them with this target.
test-ray: $(STAMP)
	$(BIN)/python -m pip install -q -e ".[ray,test]"
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m ray tests/test_engine_ray.py tests/test_engine_ray_operator.py

clean:
	rm -rf $(VENV) nlpsuite-runs .pytest_cache
