"""pytest fixtures for plugin authors: ``pytest_plugins = ["nlpsuite.testing.fixtures"]``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nlpsuite.registry import Registry
from nlpsuite.testing.registry import fresh_registry


@pytest.fixture
def nlpsuite_registry() -> Iterator[Registry]:
    """A registry freshly built from the installed entry points, discarded after the test."""
    with fresh_registry() as registry:
        yield registry


@pytest.fixture
def bare_registry() -> Iterator[Registry]:
    """A registry with no plugins at all; register yours with ``registry.host.register``."""
    with fresh_registry(entry_points=False) as registry:
        yield registry
