"""Association test definitions: the built-in WEAT 1–10 battery and user tests in JSON or YAML.

A test has the shape the SEAT files use::

    {"targ1": {"category": "Flowers", "examples": ["rose", ...]},
     "targ2": {...}, "attr1": {...}, "attr2": {...}}

plus optional ``name``, ``description``, ``citation`` and ``templates`` (SEAT-style
sentence templates with one ``{}`` for the word, e.g. ``"This is {}."``).  A file
holds one such test, a mapping of names to tests, a ``tests:`` mapping, or (JSON
Lines) one test per line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError, UnknownNameError

SETS = ("targ1", "targ2", "attr1", "attr2")
OPTIONAL_KEYS = ("name", "description", "citation", "templates", "note")
DATA_DIR = Path(__file__).parent / "data"
BUILTIN_FILE = DATA_DIR / "weat.yaml"
SHAPE_HINT = (
    'write {"targ1": {"category": "...", "examples": ["word", ...]}, "targ2": {...}, "attr1": {...}, "attr2": {...}}'
)

#: Bleached templates in the spirit of SEAT (May et al. 2019): they add no meaning of their own.
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "This is {}.",
    "That is {}.",
    "There is {}.",
    "Here is {}.",
    "{} is here.",
    "{} is there.",
    "It is {}.",
    "This is about {}.",
)


@dataclass(frozen=True)
class StimulusSet:
    """One target or attribute set: a category label and its words."""

    category: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class AssociationTest:
    """A WEAT (words) or SEAT-style (words in ``templates``) association test."""

    name: str
    targ1: StimulusSet
    targ2: StimulusSet
    attr1: StimulusSet
    attr2: StimulusSet
    templates: tuple[str, ...] = ()
    description: str = ""
    citation: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def sets(self) -> dict[str, StimulusSet]:
        return {"targ1": self.targ1, "targ2": self.targ2, "attr1": self.attr1, "attr2": self.attr2}

    def stimuli(self, word: str) -> list[str]:
        """What gets encoded for ``word``: the word itself, or one sentence per template."""
        return [t.replace("{}", word) for t in self.templates] if self.templates else [word]

    def with_templates(self, templates: tuple[str, ...]) -> AssociationTest:
        return AssociationTest(
            self.name, self.targ1, self.targ2, self.attr1, self.attr2,
            check_templates(templates, self.name), self.description, self.citation, self.warnings,
        )

    def to_record(self) -> dict[str, Any]:
        """The test in the JSON shape (what the ``bias`` task takes in its ``test`` field)."""
        record: dict[str, Any] = {"name": self.name}
        for key, stimulus in self.sets().items():
            record[key] = {"category": stimulus.category, "examples": list(stimulus.examples)}
        if self.templates:
            record["templates"] = list(self.templates)
        if self.description:
            record["description"] = self.description
        if self.citation:
            record["citation"] = list(self.citation)
        return record


def check_templates(templates: Any, where: str) -> tuple[str, ...]:
    if isinstance(templates, str):
        templates = [templates]
    if not isinstance(templates, (list, tuple)) or not all(isinstance(t, str) for t in templates):
        raise InputError(f"{where}: 'templates' must be a list of strings", hint='e.g. "templates": ["This is {}."]')
    for template in templates:
        if template.count("{}") != 1:
            raise InputError(
                f"{where}: template {template!r} must hold exactly one '{{}}' where the word goes",
                hint='e.g. "This is {}."',
            )
    return tuple(templates)


def _stimulus_set(data: Any, key: str, where: str) -> tuple[StimulusSet, list[str]]:
    if data is None:
        raise InputError(f"{where}: missing {key!r}", hint=SHAPE_HINT)
    if isinstance(data, list):  # a bare word list is accepted; the key is its category
        data = {"category": key, "examples": data}
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: {key!r} must be an object with 'category' and 'examples'", hint=SHAPE_HINT)
    examples = data.get("examples")
    if isinstance(examples, str):
        raise InputError(
            f"{where}: {key}.examples is one string ({examples[:40]!r}); it must be a list of words",
            hint='write "examples": ["word1", "word2", ...]',
        )
    if not isinstance(examples, list) or not examples:
        raise InputError(f"{where}: {key}.examples must be a non-empty list of words", hint=SHAPE_HINT)
    words: list[str] = []
    for position, word in enumerate(examples, start=1):
        if isinstance(word, (int, float)) and not isinstance(word, bool):
            word = str(word)  # YAML reads 1984 as a number; it is still a word
        if not isinstance(word, str):
            raise InputError(f"{where}: {key}.examples[{position}] is {type(word).__name__}, not a word", hint=SHAPE_HINT)
        if not word.strip():
            raise InputError(f"{where}: {key}.examples[{position}] is empty", hint="remove it or type the word")
        words.append(word.strip())
    warnings = []
    duplicates = sorted({w for w in words if words.count(w) > 1})
    if duplicates:
        warnings.append(f"{key} lists {', '.join(duplicates)} more than once; each occurrence counts")
    category = data.get("category", key)
    return StimulusSet(str(category), tuple(words)), warnings


def parse_test(data: Any, *, name: str = "", source: str = "test") -> AssociationTest:
    """Validate a test in the JSON shape; errors name ``source`` and the offending key."""
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a test must be an object, got {type(data).__name__}", hint=SHAPE_HINT)
    unknown = sorted(set(data) - set(SETS) - set(OPTIONAL_KEYS))
    if unknown:
        raise InputError(
            f"{source}: unknown key(s) {', '.join(map(repr, unknown))}",
            hint=f"a test has {', '.join(SETS)} and optionally {', '.join(OPTIONAL_KEYS)}",
        )
    name = str(data.get("name") or name or "test")
    where = f"{source} (test {name!r})" if source != name else source
    sets: dict[str, StimulusSet] = {}
    warnings: list[str] = []
    for key in SETS:
        sets[key], set_warnings = _stimulus_set(data.get(key), key, where)
        warnings.extend(set_warnings)
    for key in ("targ1", "targ2"):
        if len(sets[key].examples) < 2:
            raise InputError(f"{where}: {key} needs at least 2 words, got {len(sets[key].examples)}", hint=SHAPE_HINT)
    overlap = sorted(set(sets["targ1"].examples) & set(sets["targ2"].examples))
    if overlap:
        warnings.append(f"targ1 and targ2 share {', '.join(overlap)}")
    citation = data.get("citation") or ()
    citation = (citation,) if isinstance(citation, str) else tuple(str(c) for c in citation)
    templates = check_templates(data["templates"], where) if data.get("templates") else ()
    return AssociationTest(
        name=name,
        templates=templates,
        description=str(data.get("description") or ""),
        citation=citation,
        warnings=tuple(warnings),
        **sets,
    )


def _is_test(data: Any) -> bool:
    return isinstance(data, Mapping) and any(key in data for key in SETS)


def parse_tests(data: Any, *, default_name: str, source: str) -> list[AssociationTest]:
    """Tests from parsed file content: one test, ``{name: test}``, or ``{"tests": {name: test}}``."""
    if _is_test(data):
        return [parse_test(data, name=default_name, source=source)]
    if isinstance(data, Mapping) and isinstance(data.get("tests"), Mapping):
        data = data["tests"]
    if isinstance(data, Mapping) and data and all(_is_test(v) for v in data.values()):
        return [parse_test(test, name=str(name), source=f"{source}: {name}") for name, test in data.items()]
    if isinstance(data, list) and data and all(_is_test(v) for v in data):
        return [parse_test(t, name=f"{default_name}-{i}", source=f"{source}: test {i}") for i, t in enumerate(data, 1)]
    raise InputError(f"{source} holds no association test", hint=SHAPE_HINT)


def read_test_file(path: str | Path) -> list[AssociationTest]:
    """Tests from a ``.json``, ``.jsonl`` (one JSON document or one test per line) or ``.yaml`` file."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"test file {path} does not exist", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"test file {path} cannot be read: {exc}", hint="pass a UTF-8 JSON or YAML file") from None
    if not text.strip():
        raise InputError(f"test file {path} is empty", hint=SHAPE_HINT)
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            raise InputError(f"test file {path} is not valid YAML{at}: {getattr(exc, 'problem', exc)}",
                             hint="fix the YAML syntax") from None
        return parse_tests(data, default_name=path.stem, source=str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as whole:
        data = _json_lines(text, path, whole)
    return parse_tests(data, default_name=path.stem, source=str(path))


def _json_lines(text: str, path: Path, whole: json.JSONDecodeError) -> list[Any]:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) < 2 or path.suffix.lower() != ".jsonl":
        raise InputError(
            f"test file {path} is not valid JSON: {whole.msg} at line {whole.lineno}, column {whole.colno}",
            hint="fix the JSON syntax (YAML files need a .yaml or .yml suffix)",
        )
    records = []
    for number, line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not valid JSON ({exc.msg})", hint="one test object per line") from None
    return records


@lru_cache(maxsize=1)
def builtin_tests() -> dict[str, AssociationTest]:
    """WEAT 1–10 as shipped in ``data/weat.yaml`` (Caliskan et al. 2017), by name."""
    return {test.name: test for test in read_test_file(BUILTIN_FILE)}


def select_builtin(selection: str) -> list[AssociationTest]:
    """``"all"`` or comma-separated names (``weat1,weat7``) of built-in tests."""
    tests = builtin_tests()
    names = [n.strip().lower() for n in selection.split(",") if n.strip()]
    if not names or names == ["all"]:
        return list(tests.values())
    chosen = []
    for name in names:
        if name not in tests:
            import difflib

            close = difflib.get_close_matches(name, list(tests), n=2)
            raise UnknownNameError(
                f"unknown built-in test {name!r}; built-in tests: {', '.join(tests)}",
                hint=f"did you mean {' or '.join(close)}?" if close else "use --tests all, or --file for your own test",
            )
        chosen.append(tests[name])
    return chosen


def parse_test_field(value: Any, record_id: Any = None) -> AssociationTest:
    """The ``test`` field of a ``bias`` task record: a built-in name or a test object."""
    if isinstance(value, str):
        if not value.strip():
            raise InputError("field 'test' is empty", hint="give a built-in test name such as 'weat1' or a test object")
        if "," in value or value.strip().lower() == "all":
            raise InputError(f"field 'test' names several tests ({value!r})", hint="give one test per record")
        return select_builtin(value)[0]
    default = str(record_id) if record_id is not None else "test"
    return parse_test(value, name=default, source=f"record {record_id!r}" if record_id is not None else "field 'test'")

