"""The shipped word lists: loaded from ``data/``, checked against their SHA-256, turned into swappers.

Every list file carries its citations; :func:`provenance` gives them (with the
hash) to the audit report.  A file whose hash differs from :data:`DATA_SHA256`
is refused: a word list edited by accident would silently change every audit.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from nlpsuite.errors import PluginError
from nlpsuite.plugins.perturbations.swapping import Ambiguous, WordSwapper, one_way

DATA_DIR = Path(__file__).parent / "data"
GENDER_TERMS = "gender_terms.json"
FIRST_NAMES = "first_names.json"

#: SHA-256 of each shipped list; update together with the file (tests/test_audit_perturbations.py checks both).
DATA_SHA256 = {
    GENDER_TERMS: "91e4fc3f1475ba7f4931087f226807e692e73c9f9b8e67cda7e021e48db5839b",
    FIRST_NAMES: "46eab9b0ea592607b86c85ce8048437bb3f34a9540a2b8e9e870c096dfb7f364",
}

GENDER_GROUPS = ("male", "female")
RACE_GROUPS = ("european_american", "african_american")


def read_checked(path: Path, expected: str) -> dict[str, Any]:
    """The JSON object in ``path`` after checking its SHA-256 against ``expected``."""
    data = Path(path).read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != expected:
        raise PluginError(
            f"word list {path} has SHA-256 {found}, expected {expected}",
            hint="reinstall nlpsuite; if you edited the list on purpose, update DATA_SHA256 in "
            "nlpsuite/plugins/perturbations/wordlists.py",
        )
    return json.loads(data.decode("utf-8"))


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    return read_checked(DATA_DIR / name, DATA_SHA256[name])


def provenance(name: str) -> dict[str, Any]:
    """What the audit report shows about a list: file, hash, citations, license, rules."""
    data = load(name)
    citations = data.get("citations") or []
    return {
        "file": f"nlpsuite/plugins/perturbations/data/{name}",
        "sha256": DATA_SHA256[name],
        "description": data.get("description", ""),
        "citations": list(citations.values()) if isinstance(citations, dict) else list(citations),
        "license": data.get("license", ""),
        "rules": data.get("rules", ""),
    }


# ---------------------------------------------------------------- gender terms

def gender_languages() -> list[str]:
    return list(load(GENDER_TERMS)["languages"])


@functools.lru_cache(maxsize=None)
def gender_swapper(source_group: str, language: str = "en") -> WordSwapper:
    """Swaps words of ``source_group`` (male or female) into the other group, in ``language``."""
    table = load(GENDER_TERMS)["languages"][language]
    pairs = [(m, f) for m, f in table["pairs"]]
    if source_group == "male":
        directed = pairs
    elif source_group == "female":
        directed = [(f, m) for m, f in pairs]
    else:
        raise ValueError(f"unknown gender group {source_group!r}")
    sources = {s.lower() for s, _ in directed}
    ambiguous = {
        word.lower(): Ambiguous(rule["before_word"], rule["otherwise"])
        for word, rule in (table.get("ambiguous") or {}).items()
        if word.lower() in sources
    }
    mapping = {s: t for s, t in one_way(directed).items() if s not in ambiguous}
    return WordSwapper(mapping, ambiguous, frozenset(w.lower() for w in table.get("function_words") or ()))


# ---------------------------------------------------------------- first names

def _name_lists() -> tuple[list[dict[str, Any]], set[str]]:
    data = load(FIRST_NAMES)
    blocked = {n.lower() for n in (data.get("blocked") or {}).get("names", [])}
    return data["lists"], blocked


def _positional_pairs(a: list[str], b: list[str], blocked: set[str]) -> list[tuple[str, str]]:
    return [(x, y) for x, y in zip(a, b) if x.lower() not in blocked and y.lower() not in blocked]


def _find(lists: list[dict[str, Any]], source: str, race: Any, gender: Any) -> list[str]:
    for entry in lists:
        if entry["source"] == source and entry.get("race") == race and entry.get("gender") == gender:
            return list(entry["names"])
    return []


@functools.lru_cache(maxsize=None)
def name_swapper(attribute: str, source_group: str) -> WordSwapper:
    """Swaps first names of ``source_group`` into the other group of ``attribute`` (``gender`` or ``race``)."""
    lists, blocked = _name_lists()
    groups = GENDER_GROUPS if attribute == "gender" else RACE_GROUPS
    if source_group not in groups:
        raise ValueError(f"unknown {attribute} group {source_group!r}")
    other = groups[1] if source_group == groups[0] else groups[0]
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, Any, Any]] = set()
    for entry in lists:
        if attribute == "gender":
            key = (entry["source"], entry.get("race"), None)
            if key in seen:
                continue
            seen.add(key)
            a = _find(lists, entry["source"], entry.get("race"), source_group)
            b = _find(lists, entry["source"], entry.get("race"), other)
        else:
            if entry.get("race") is None:
                continue
            key = (entry["source"], None, entry.get("gender"))
            if key in seen:
                continue
            seen.add(key)
            a = _find(lists, entry["source"], source_group, entry.get("gender"))
            b = _find(lists, entry["source"], other, entry.get("gender"))
        pairs.extend(_positional_pairs(a, b, blocked))
    spelling = {name.lower(): name for entry in lists for name in entry["names"]}
    return WordSwapper(one_way(pairs), spelling=spelling)
