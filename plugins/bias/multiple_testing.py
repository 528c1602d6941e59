"""Holm's step-down correction for a battery of tests (controls the family-wise error rate)."""

from __future__ import annotations

from collections.abc import Sequence


def holm_adjust(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values in the input order; ``None`` entries (failed tests) stay ``None``.

    Sorted ascending, the i-th of m p-values (1-based) becomes
    ``max_{j <= i} min(1, (m - j + 1) * p_(j))``; the running maximum keeps the
    adjusted values in the same order as the raw ones.  Only the tests that have a
    p-value count towards m.
    """
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    for p, i in present:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p-value {p!r} at position {i} is not in [0, 1]")
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
