"""Start a private local Ray that talks to nothing but loopback and Unix sockets.

Out of the box a local Ray (2.60) does three things a laptop behind a
firewall, or this project's machines, must not see:

* it picks the node address by "connecting" a UDP socket to 8.8.8.8:53
  (``node_ip_address_from_perspective``) and then binds and talks to the
  machine's own address rather than loopback.  ``_node_ip_address="127.0.0.1"``
  does not help: ``ray.init`` turns a loopback address back into that probe
  (``resolve_ip_for_localhost``).  Ray's own switch for a single-machine Ray,
  ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (the macOS/Windows default), makes
  ``get_node_ip_address`` return 127.0.0.1 instead;
* its dashboard process (started even with ``include_dashboard=False``) asks
  the cloud-metadata address 169.254.169.254 which cloud it runs in, unless
  ``~/ray_bootstrap_config.yaml`` names a provider: so Ray's processes get a
  HOME of ours holding ``provider: {type: local}`` (workers get the user's
  HOME back, so model caches under it are found as usual);
* it writes under ``~/.ray`` and ``/tmp/ray``: HOME and ``_temp_dir`` are ours.

Usage stats (``RAY_USAGE_STATS_ENABLED=0``) and token auth
(``RAY_AUTH_MODE=disabled``) are off.  Ray reads all of this from the
environment of the processes it spawns and offers no parameter for it, so the
variables are set for the duration of ``ray.init`` only and restored after.
``tests/test_engine_ray.py::test_local_ray_connects_only_to_loopback`` checks
the result with ``strace -f -e trace=connect``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BOOTSTRAP_CONFIG = "provider:\n  type: local\n"

#: What the spawned Ray processes see while ``ray.init`` starts them (HOME is added per start).
RAY_LOOPBACK_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "disabled",
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
}


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` set in ``os.environ`` inside the block; the previous values come back after."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


#: Where local Rays put their files (default: $TMPDIR when short, else /tmp).
TEMP_DIR_ENV = "NLPSUITE_RAY_TEMP_DIR"


#: Ray's Unix sockets live at ``<_temp_dir>/session_<date>_<time>_<usec>_<pid>/sockets/plasma_store``:
#: about 62 bytes after the directory, within the 107 bytes a socket path may have.
_SOCKET_TAIL = 64
_SOCKET_LIMIT = 107
_PREFIX = "nls-ray-"


def _short_temp_root() -> Path:
    from nlpsuite.errors import UsageError

    configured = os.environ.get(TEMP_DIR_ENV)
    if configured:
        root = Path(configured).expanduser().absolute()
        if len(str(root)) + len(_PREFIX) + 10 + _SOCKET_TAIL > _SOCKET_LIMIT:
            raise UsageError(f"{TEMP_DIR_ENV}={configured} is too long for Ray's socket paths "
                             f"({_SOCKET_LIMIT} bytes at most)", hint=f"use a short directory such as /tmp/{_PREFIX}x")
        root.mkdir(parents=True, exist_ok=True)
        return root
    for candidate in (os.environ.get("TMPDIR"), "/tmp"):
        if candidate and len(candidate) <= 24 and os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return Path(candidate)
    return Path(tempfile.gettempdir())


@dataclass
class LocalRay:
    """A local Ray this process started; :meth:`stop` shuts it down and removes its files."""

    directory: Path
    num_cpus: float

    def stop(self) -> None:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        shutil.rmtree(self.directory, ignore_errors=True)


def start_local_ray(*, num_cpus: float, num_gpus: float | None = None, quiet: bool = True,
                    runtime_env: dict[str, Any] | None = None) -> LocalRay:
    """Start a private local Ray with ``num_cpus`` CPUs, on loopback only (see the module docstring)."""
    directory = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=_short_temp_root()))
    home = directory / "home"
    home.mkdir()
    (home / "ray_bootstrap_config.yaml").write_text(BOOTSTRAP_CONFIG, encoding="utf-8")
    user_home = os.environ.get("HOME") or str(Path.home())
    runtime_env = dict(runtime_env or {})
    runtime_env["env_vars"] = {"HOME": user_home, **dict(runtime_env.get("env_vars") or {})}
    with environment({**RAY_LOOPBACK_ENV, "HOME": str(home)}):
        import logging

        import ray
        from ray._private import ray_constants

        # read once at import: if something imported ray before us, the variable came too late
        if getattr(ray_constants, "ENABLE_RAY_CLUSTER", False):
            ray_constants.ENABLE_RAY_CLUSTER = False
        try:
            ray.init(
                address="local",  # never join a cluster RAY_ADDRESS points at: this path is the private one
                num_cpus=num_cpus,
                num_gpus=num_gpus,
                include_dashboard=False,
                _temp_dir=str(directory),
                runtime_env=runtime_env,
                logging_level=logging.WARNING,  # Ray's start-up chatter is not the user's business
                log_to_driver=not quiet,
            )
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
    return LocalRay(directory=directory, num_cpus=num_cpus)
