"""What ``--ray-address`` names, checked before Ray is asked to join it.

``ray.init`` on an address where nothing answers (a wrong host, a firewall that drops
packets) retries for minutes, and on one where something accepts connections without
being Ray it waits for good.  One TCP connection with a timeout
(``NLPSUITE_RAY_CONNECT_TIMEOUT`` seconds, default 10) tells a dead address from a live
one first, and a trial join in a child process (:func:`check_answers`) is given twice that:
either way the run fails in bounded time with the address named.  ``ray://``
addresses (Ray Client) need gRPC, which the ``nlpsuite[ray]`` extra installs
(``ray[client]``): without it the refusal names the package.
"""

from __future__ import annotations

import importlib.util
import os
import socket

from nlpsuite.errors import UsageError

TIMEOUT_ENV = "NLPSUITE_RAY_CONNECT_TIMEOUT"
DEFAULT_TIMEOUT_S = 10.0
CLIENT_PREFIX = "ray://"
#: Ray's default ports: the GCS of ``ray start --head`` and the Ray Client server.
DEFAULT_GCS_PORT = 6379
DEFAULT_CLIENT_PORT = 10001


def connect_timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        raise UsageError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds", hint=f"e.g. {TIMEOUT_ENV}=10") from None


def host_and_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a ``HOST[:PORT]`` or ``ray://HOST[:PORT]`` address; ``None`` for ``auto``/``local``."""
    from urllib.parse import urlsplit

    text = address.strip()
    if text in ("", "auto", "local"):
        return None
    client = text.startswith(CLIENT_PREFIX)
    parts = urlsplit("//" + (text[len(CLIENT_PREFIX):] if client else text))
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"--ray-address {address!r} has no valid port", hint="e.g. ray://HEAD:10001 or HEAD:6379") from None
    if not parts.hostname:
        raise UsageError(f"--ray-address {address!r} names no host", hint="e.g. ray://HEAD:10001 or HEAD:6379")
    return parts.hostname, port or (DEFAULT_CLIENT_PORT if client else DEFAULT_GCS_PORT)


def check_reachable(address: str) -> None:
    """Refuse ``address`` at once when nothing answers there within the timeout (or Ray Client cannot be used)."""
    if address.strip().startswith(CLIENT_PREFIX) and importlib.util.find_spec("grpc") is None:
        raise UsageError(f"--ray-address {address!r} is a Ray Client address, and Ray Client needs grpcio, "
                         "which is not installed",
                         hint="pip install 'nlpsuite[ray]' (it installs ray[data,client]), or join with HEAD:6379")
    target = host_and_port(address)
    if target is None:
        return
    timeout = connect_timeout()
    try:
        with socket.create_connection(target, timeout=timeout):
            pass
    except OSError as exc:
        why = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise UsageError(
            f"cannot join the Ray cluster at --ray-address {address!r}: {why} from {target[0]}:{target[1]} "
            f"within {timeout:g} s",
            hint=f"check the address and that the cluster is up (ray status on the head node); "
            f"{TIMEOUT_ENV} sets the wait; leave --ray-address empty for a local Ray",
        ) from None


#: Joins the cluster and leaves at once: run in a child process that can be killed, which ``ray.init`` in
#: this process could not be (left in a thread, it crashed the interpreter at exit).
_PROBE = "import sys, ray\nray.init(address=sys.argv[1], logging_level=40)\nray.shutdown()\n"


def check_answers(address: str) -> None:
    """Refuse ``address`` when no Ray cluster answers there within twice the connect timeout.

    A child process joins and leaves (a second or two of ``import ray``); only a join that does not finish
    in time is refused here: one that fails is left to ``ray.init`` in this process, whose error says why.
    """
    import subprocess
    import sys

    limit = 2 * connect_timeout()
    try:
        subprocess.run([sys.executable, "-c", _PROBE, address], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"cannot join the Ray cluster at --ray-address {address!r}: it accepts connections but no Ray "
            f"cluster answered within {limit:g} s",
            hint=f"check that the address is a Ray head (HEAD:6379, or ray://HEAD:10001 for Ray Client); "
            f"{TIMEOUT_ENV} sets the wait",
        ) from None
