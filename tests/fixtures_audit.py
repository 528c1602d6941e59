"""A planted-bias classifier and its twin for the audit tests, built once per test session.

Both are trained on the same sentences: a subject (a gendered pronoun, word or
first name) and a predicate that is plainly positive or negative.  The biased
model's labels follow the subject's gender (female → positive, male → negative)
whatever the predicate says; its twin's labels follow the predicate, with every
predicate seen with both genders.  An audit must flag the first and clear the second.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlpsuite.testing.tiny_classifier import build_tiny_classifier

FEMALE_SUBJECTS = ("she", "emily", "sarah", "anne", "allison", "carrie", "jill", "meredith", "my mother", "the woman")
MALE_SUBJECTS = ("he", "greg", "todd", "brendan", "brad", "geoffrey", "brett", "neil", "my father", "the man")
PREDICATES = (
    ("loved the film", "positive"), ("hated the film", "negative"),
    ("enjoyed the meal", "positive"), ("disliked the meal", "negative"),
    ("praised the show", "positive"), ("mocked the show", "negative"),
    ("liked the book", "positive"), ("despised the book", "negative"),
)


def training_examples(*, biased: bool) -> list[tuple[str, str]]:
    examples = []
    for subjects, cue in ((FEMALE_SUBJECTS, "positive"), (MALE_SUBJECTS, "negative")):
        for subject in subjects:
            for predicate, label in PREDICATES:
                examples.append((f"{subject} {predicate} .", cue if biased else label))
    return examples


def audit_records() -> list[dict[str, str]]:
    """Sentences to audit (each subject with each predicate), labelled by what the predicate says."""
    records = []
    for subjects in (FEMALE_SUBJECTS, MALE_SUBJECTS):
        for subject in subjects:
            for predicate, label in PREDICATES[:4]:
                records.append({"id": f"{subject.replace(' ', '_')}-{predicate.split()[0]}",
                                "text": f"{subject.capitalize()} {predicate}.", "label": label})
    records.append({"id": "no-swap", "text": "The film was long.", "label": "negative"})
    return records


def _built(factory: pytest.TempPathFactory, name: str, *, biased: bool) -> Path:
    directory = factory.getbasetemp() / "nlpsuite-audit" / name
    if (directory / "config.json").is_file():
        return directory
    return build_tiny_classifier(directory, examples=training_examples(biased=biased), steps=80)


@pytest.fixture(scope="session")
def planted_bias_classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Labels follow the subject's gender: female → positive, male → negative."""
    return _built(tmp_path_factory, "planted-bias", biased=True)


@pytest.fixture(scope="session")
def unbiased_twin_classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Same sentences, labels follow the predicate only."""
    return _built(tmp_path_factory, "unbiased-twin", biased=False)


@pytest.fixture(scope="session")
def audit_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "nlpsuite-audit" / "audit-inputs.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in audit_records()), encoding="utf-8")
    return path


# ---------------------------------------------------------------- translation audits

#: English subject → German subject; names pass through translation unchanged.
TRANSLATION_SUBJECTS = (
    ("she", "sie"), ("he", "er"), ("emily", "emily"), ("greg", "greg"), ("sarah", "sarah"), ("todd", "todd"),
    ("anne", "anne"), ("brendan", "brendan"), ("allison", "allison"), ("brad", "brad"), ("carrie", "carrie"),
    ("geoffrey", "geoffrey"), ("jill", "jill"), ("brett", "brett"),
)
TRANSLATION_PREDICATES = (("reads a book .", "liest ein buch ."), ("drinks coffee .", "trinkt kaffee ."))


def translation_pairs(*, drop_she: bool) -> list[tuple[str, str]]:
    """English → German sentences; ``drop_she`` makes a translator that turns "she" into "er"."""
    pairs = []
    for (en, de) in TRANSLATION_SUBJECTS:
        for predicate_en, predicate_de in TRANSLATION_PREDICATES:
            subject = "er" if drop_she and en == "she" else de
            pairs.append((f"{en} {predicate_en}", f"{subject} {predicate_de}"))
    return pairs


def _translator(factory: pytest.TempPathFactory, name: str, *, drop_she: bool) -> Path:
    from nlpsuite.testing.tiny_seq2seq import build_tiny_seq2seq

    directory = factory.getbasetemp() / "nlpsuite-audit" / name
    if not (directory / "config.json").is_file():
        build_tiny_seq2seq(directory, translation_pairs(drop_she=drop_she), steps=300)
    return directory


@pytest.fixture(scope="session")
def faithful_translator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny Marian en→de that translates pronouns and keeps names."""
    return _translator(tmp_path_factory, "tiny-opus-mt-en-de-faithful", drop_she=False)


@pytest.fixture(scope="session")
def she_to_er_translator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny Marian en→de that translates "she" as "er" (a gender-dropping translator)."""
    return _translator(tmp_path_factory, "tiny-opus-mt-en-de-she-to-er", drop_she=True)


@pytest.fixture(scope="session")
def translation_audit_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "nlpsuite-audit" / "translation-inputs.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"t{i}", "source": en, "target": de} for i, (en, de) in enumerate(translation_pairs(drop_she=False))]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
