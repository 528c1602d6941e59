"""Is the model hub reachable?  Asked once per process, answered within a bounded time.

Online but cut off (a firewall that drops packets, a captive portal, no route),
the hub client retries each request for about 30 s before the host can fall
back to an embedded model.  One TCP connection attempt to the hub endpoint (or
to the proxy that would carry the request), bounded by
``NLPSUITE_HUB_TIMEOUT`` seconds (default 2), answers the question first; the
answer is kept for the process, per endpoint.  Nothing is asked when offline
mode is on: then nothing may be contacted at all.

Only a TCP handshake is attempted, no request is sent.  The attempt, name
resolution included, runs in a daemon thread that is waited for at most the
timeout, since ``getaddrinfo`` itself takes no timeout.
"""

from __future__ import annotations

import os
import socket
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass

from nlpsuite._privacy import offline_requested
from nlpsuite.errors import UsageError

TIMEOUT_VARIABLE = "NLPSUITE_HUB_TIMEOUT"
DEFAULT_TIMEOUT_S = 2.0
DEFAULT_ENDPOINT = "https://huggingface.co"

_answers: dict[tuple[str, int], HubReachability] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class HubReachability:
    """The answer for one endpoint: ``reachable``, and why not when it is not."""

    endpoint: str
    reachable: bool
    address: str
    reason: str = ""


def hub_endpoint() -> str:
    """``HF_ENDPOINT`` as huggingface_hub reads it, else its default."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def hub_timeout() -> float:
    """Seconds to wait for the hub (``NLPSUITE_HUB_TIMEOUT``); ``0`` turns the check off."""
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise UsageError(f"{TIMEOUT_VARIABLE}={text!r} is not a number of seconds",
                         hint=f"e.g. {TIMEOUT_VARIABLE}=5, or {TIMEOUT_VARIABLE}=0 to skip the reachability check")
    return value


def _host_port(url: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed.hostname or "", port


def connection_target(endpoint: str) -> tuple[str, int]:
    """Where a request to ``endpoint`` would first connect: the proxy for it, when one applies."""
    host, port = _host_port(endpoint)
    scheme = urllib.parse.urlsplit(endpoint).scheme or "https"
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if proxy and not urllib.request.proxy_bypass(host):
        return _host_port(proxy)
    return host, port


def _try_connect(host: str, port: int, timeout: float, outcome: list[str]) -> None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            outcome.append("")
    except OSError as exc:
        outcome.append(exc.strerror or type(exc).__name__)


def check_hub(endpoint: str, timeout: float) -> HubReachability:
    """Attempt one TCP connection towards ``endpoint`` within ``timeout`` seconds (not cached)."""
    host, port = connection_target(endpoint)
    address = f"{host}:{port}"
    if not host:
        return HubReachability(endpoint, False, address, "the endpoint names no host")
    outcome: list[str] = []
    attempt = threading.Thread(target=_try_connect, args=(host, port, timeout, outcome), daemon=True,
                               name="nlpsuite-hub-check")
    attempt.start()
    attempt.join(timeout)
    if not outcome:
        return HubReachability(endpoint, False, address, f"no answer within {timeout:g} s")
    return HubReachability(endpoint, not outcome[0], address, outcome[0])


def hub_reachability() -> HubReachability | None:
    """The answer for the current endpoint, asked at most once per process; ``None`` when not asked
    (offline mode, or the check turned off with ``NLPSUITE_HUB_TIMEOUT=0``)."""
    if offline_requested():
        return None
    timeout = hub_timeout()
    if timeout == 0:
        return None
    endpoint = hub_endpoint()
    key = connection_target(endpoint)
    with _lock:
        if key not in _answers:
            _answers[key] = check_hub(endpoint, timeout)
        return _answers[key]


def hub_unreachable() -> HubReachability | None:
    """The negative answer when the hub is known unreachable, else ``None`` (reachable or not asked)."""
    answer = hub_reachability()
    return answer if answer is not None and not answer.reachable else None


def forget_hub_reachability() -> None:
    """Ask again next time (tests; a long-lived process whose network changed)."""
    with _lock:
        _answers.clear()
