"""Online but the hub unreachable: found out once, within the timeout, and the host falls back at once.

Nothing here leaves loopback: the "hub" is a closed or listening port on 127.0.0.1.
"""

from __future__ import annotations

import socket
import time

import pytest

from nlpsuite.errors import ModelUnavailableError, UsageError
from nlpsuite.models import hub_reachability
from nlpsuite.models.hub_reachability import check_hub, connection_target, hub_reachability as reachability


@pytest.fixture(autouse=True)
def fresh_answers(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NLPSUITE_HUB_TIMEOUT", raising=False)
    hub_reachability.forget_hub_reachability()
    yield
    hub_reachability.forget_hub_reachability()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def online_unreachable(monkeypatch):
    """Online mode with HF_ENDPOINT on a closed loopback port.  huggingface_hub itself still reads
    HF_HUB_OFFLINE=1 from its import, so even a regression could not reach out."""
    port = closed_port()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    return port


def test_a_closed_endpoint_is_unreachable_at_once(online_unreachable):
    began = time.perf_counter()
    answer = reachability()
    assert time.perf_counter() - began < 1.0
    assert answer is not None and not answer.reachable
    assert answer.address == f"127.0.0.1:{online_unreachable}" and answer.reason == "Connection refused"


def test_a_listening_endpoint_is_reachable(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        answer = reachability()
    assert answer is not None and answer.reachable


def test_asked_once_per_process_and_never_when_offline(online_unreachable, monkeypatch):
    attempts = []
    real = hub_reachability._try_connect
    monkeypatch.setattr(hub_reachability, "_try_connect", lambda *a: (attempts.append(a), real(*a)))
    assert not reachability().reachable and not reachability().reachable
    assert len(attempts) == 1
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub_reachability.forget_hub_reachability()
    assert reachability() is None and len(attempts) == 1
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("NLPSUITE_HUB_TIMEOUT", "0")  # the check turned off
    assert reachability() is None and len(attempts) == 1


def test_a_silent_network_is_given_up_on_after_the_timeout(online_unreachable, monkeypatch):
    monkeypatch.setattr(hub_reachability, "_try_connect", lambda *_a: time.sleep(5))  # packets dropped, DNS hanging
    monkeypatch.setenv("NLPSUITE_HUB_TIMEOUT", "0.3")
    began = time.perf_counter()
    answer = reachability()
    assert time.perf_counter() - began < 1.0
    assert not answer.reachable and answer.reason == "no answer within 0.3 s"


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_timeout_value_is_a_clear_error(online_unreachable, monkeypatch, value):
    monkeypatch.setenv("NLPSUITE_HUB_TIMEOUT", value)
    with pytest.raises(UsageError, match="NLPSUITE_HUB_TIMEOUT"):
        reachability()


def test_the_proxy_that_would_carry_the_request_is_what_is_checked(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert connection_target("https://huggingface.co") == ("127.0.0.1", 3128)
    monkeypatch.setenv("NO_PROXY", "huggingface.co")
    assert connection_target("https://huggingface.co") == ("huggingface.co", 443)
    assert connection_target("http://127.0.0.1:8080/") == ("127.0.0.1", 8080)


def test_an_unreachable_hub_makes_a_hub_model_unavailable_at_once(online_unreachable):
    from nlpsuite.models.loading import model_config
    from nlpsuite.models.reference import ModelRequest
    from nlpsuite.specs import TaskOptions

    began = time.perf_counter()
    with pytest.raises(ModelUnavailableError) as caught:
        model_config(ModelRequest("org/not-cached", "hub", "org/not-cached"), TaskOptions())
    assert time.perf_counter() - began < 3.0
    assert f"the hub http://127.0.0.1:{online_unreachable} is unreachable" in caught.value.message
    assert "NLPSUITE_HUB_TIMEOUT" in caught.value.hint
    assert check_hub(f"http://127.0.0.1:{online_unreachable}", 1.0).reason == "Connection refused"


def test_the_sentiment_task_falls_back_to_its_embedded_model_quickly(online_unreachable):
    from nlpsuite.runtime import load_task

    from nlpsuite.specs import TaskOptions

    notices: list[str] = []
    began = time.perf_counter()
    # torch forced: the time measured is the fallback's, not a first --runtime auto probe's
    loaded = load_task("sentiment", options=TaskOptions(model_args={"runtime": "torch"}), notify=notices.append)
    elapsed = time.perf_counter() - began
    assert loaded.model.fallback and "hub unreachable" in notices[0]
    assert elapsed < 20.0  # the embedded model's own load (the measured CLI run: 35 s before, 9 s after)
