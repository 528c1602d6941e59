"""The engine interface without Ray: the local engine, the recipe a worker loads, the options, the install hint."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import pytest

from nlpsuite.cli.app import main
from nlpsuite.errors import UsageError
from nlpsuite.evaluation.dataset import resolve_dataset
from nlpsuite.evaluation.engines import EngineSettings, PredictedBatch, PredictEngine, open_engine, predict_records
from nlpsuite.evaluation.engines.recipe import TaskRecipe
from nlpsuite.evaluation.prediction_cache import PredictionCache
from nlpsuite.evaluation.runner import predict_with_cache
from nlpsuite.registry import get_task
from nlpsuite.runtime import load_task
from nlpsuite.session import Session
from nlpsuite.specs import TaskOptions
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model

TEXTS = ["a good film", "dull", "good acting, good story, great cast", "I loved it", "bland plot", "great"]


@pytest.fixture
def kwlabel(tmp_path):
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        model = write_keyword_model(tmp_path / "model")
        yield load_task("kwlabel", str(model), TaskOptions(quiet=True, batch_size=2, generation={"marker": "bland"}))


def test_local_engine_answers_every_record_in_order_in_consecutive_batches(kwlabel):
    records = [{"text": t} for t in TEXTS]
    with open_engine() as engine:
        batches = list(engine.predict_batches(kwlabel, records, batch_size=2))
        assert predict_records(engine, kwlabel, records) == kwlabel.predict(records)
    assert [b.indices for b in batches] == [(0, 1), (2, 3), (4, 5)]
    assert isinstance(engine, PredictEngine) and engine.describe() == {"name": "local"}


class ShuffledEngine:
    """An engine that answers in another order, as Ray does: the harness must not care."""

    name = "shuffled"

    def __init__(self):
        self.batches = 0

    def predict_batches(self, loaded, records, *, batch_size, progress=None):
        starts = list(range(0, len(records), batch_size))[::-1]
        for start in starts:
            indices = tuple(range(start, min(start + batch_size, len(records))))
            self.batches += 1
            yield PredictedBatch(indices=indices, outputs=loaded.predict([records[i] for i in indices]))

    def describe(self):
        return {"name": self.name}

    def close(self):
        pass


def test_predict_stage_puts_answers_from_any_engine_back_in_dataset_order_and_caches_each(kwlabel, tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps({"id": f"s{i}", "text": t, "label": "positive"}) + "\n"
                            for i, t in enumerate(TEXTS)), encoding="utf-8")
    dataset = resolve_dataset(get_task("kwlabel"), str(data))
    engine = ShuffledEngine()
    with PredictionCache(tmp_path / "cache.sqlite3") as cache:
        outputs, stats = predict_with_cache(kwlabel, dataset, cache=cache, key="k", engine=engine)
        assert outputs == kwlabel.predict([dict(s["input"]) for s in dataset.samples])
        assert stats.n_batches == engine.batches == 3 and stats.predicted == 6
        assert cache.count("k") == 6
        again, stats = predict_with_cache(kwlabel, dataset, cache=cache, key="k", engine=ShuffledEngine())
    assert again == outputs and stats.cached == 6 and stats.predicted == 0


def test_recipe_travels_by_pickle_and_loads_the_same_task(kwlabel, tmp_path, monkeypatch):
    recipe = TaskRecipe.from_loaded(kwlabel)
    monkeypatch.chdir(tmp_path.parent)  # a worker's working directory differs: the model path is absolute
    assert Path(recipe.model).is_absolute() and recipe.task == "kwlabel"
    assert recipe.device == kwlabel.options.device and dict(recipe.generation) == {"marker": "bland"}
    travelled = pickle.loads(pickle.dumps(recipe))
    assert travelled == recipe
    with pytest.raises(TypeError):
        travelled.task_args["x"] = 1  # frozen all the way down
    loaded = travelled.load(Session(offline=True))
    assert loaded.config() == kwlabel.config() and loaded.options.session is not kwlabel.options.session
    assert loaded.predict([{"text": "bland"}]) == kwlabel.predict([{"text": "bland"}])


def test_a_worker_with_other_model_files_or_config_refuses_to_predict(kwlabel):
    recipe = TaskRecipe.from_loaded(kwlabel)
    write_keyword_model(Path(recipe.model), "other words than the driver")  # the worker's copy differs
    with pytest.raises(UsageError, match="configured differently on this worker"):
        recipe.load(Session(offline=True))
    write_keyword_model(Path(recipe.model), "good bad ugly")  # same config (3 words), other files
    with pytest.raises(UsageError, match="holding a different model on this worker"):
        recipe.load(Session(offline=True))


@pytest.fixture
def eval_args(tmp_path):
    model = write_keyword_model(tmp_path / "model")
    return ["eval", "--task", "kwlabel", "--model", str(model), "--output-dir", str(tmp_path / "run"), "--quiet"]


def test_engine_ray_without_ray_says_how_to_install_it(eval_args, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as without the extra
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        code = main([*eval_args, "--engine", "ray"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--engine ray needs Ray Data, which is not installed" in err
    assert "pip install 'nlpsuite[ray]'" in err


def test_ray_options_without_engine_ray_are_refused(eval_args, capsys):
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        code = main([*eval_args, "--ray-address", "auto"])
    assert code == 2 and "--ray-address is an option of --engine ray" in capsys.readouterr().err


def test_local_is_the_default_engine_and_is_recorded(eval_args, tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        assert main(eval_args) == 0
    results = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["runtime"]["engine"] == {"name": "local"}


def test_unknown_engine_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown engine 'spark'"):
        open_engine(EngineSettings(name="spark"))
