"""load_task: model choice, offline fallback with a notice, validation, batching and failure isolation."""

from __future__ import annotations

import pytest

from nlpsuite.errors import ModelUnavailableError, UnknownNameError
from nlpsuite.runtime import load_task
from nlpsuite.testing import fresh_registry
from tests.toy_plugin import ToyPlugin


@pytest.fixture
def toy(tmp_path):
    with fresh_registry([("toy", ToyPlugin(tmp_path))], entry_points=False) as registry:
        yield registry


def test_default_model_unavailable_falls_back_with_notice(toy):
    notices: list[str] = []
    task = load_task("shout", notify=notices.append)
    assert task.model.fallback is True
    assert task.model.name == "toy-embedded (embedded)"
    assert len(notices) == 1 and "toy-org/shouter" in notices[0] and "toy-embedded" in notices[0]
    assert task.model.notice == notices[0]
    assert task.predict([{"text": "hi"}]) == [{"shout": "HI"}]


def test_model_the_user_asked_for_never_falls_back(toy):
    with pytest.raises(ModelUnavailableError):
        load_task("shout", model="someone/else", notify=lambda _m: None)


def test_no_fallback_gives_the_tasks_hint(tmp_path):
    with fresh_registry([("toy", ToyPlugin(tmp_path, fallback=False))], entry_points=False):
        with pytest.raises(ModelUnavailableError) as info:
            load_task("shout")
    assert "no embedded fallback" in info.value.message
    assert info.value.hint == "pass --model toy-embedded"


def test_unknown_task_suggests_close_names(toy):
    with pytest.raises(UnknownNameError) as info:
        load_task("shuot")
    assert "'shout'" in info.value.hint


def test_predict_keeps_input_order_across_length_sorted_batches(toy):
    task = load_task("shout", model="toy-embedded")
    texts = ["a", "ccc", "bb", "dddd", "e"]
    outputs = task.predict([{"text": t} for t in texts])
    assert [o["shout"] for o in outputs] == [t.upper() for t in texts]
    batches = task.predictor.batches
    assert batches[0] == ["dddd", "ccc"]  # longest first, batch_size 2 from the predictor
    assert all(len(b) <= 2 for b in batches)


def test_invalid_and_failing_samples_never_lose_the_rest(toy):
    task = load_task("shout", model="toy-embedded")
    records = [{"text": "ok"}, {"text": "  "}, {"other": 1}, {"text": "boom"}, {"text": "fine"}, {"text": 5}]
    outputs = task.predict(records)
    assert outputs[0] == {"shout": "OK"}
    assert outputs[1] == {"error": "field 'text' is empty"}
    assert "missing field 'text'" in outputs[2]["error"] and "other" in outputs[2]["error"]
    assert outputs[3]["error"] == "RuntimeError: boom in batch"
    assert outputs[4] == {"shout": "FINE"}
    assert "must be text" in outputs[5]["error"]


def test_model_info_records_device_and_dtype(toy):
    task = load_task("shout", model="toy-embedded")
    info = task.model.to_dict()
    assert info["device"] == "cpu" and info["dtype"] == "float32"
    assert info["requested"] == "toy-embedded" and info["fallback"] is False
