"""The built-in perturbations: whole words, case, possessives, the her → his/him rule, blocked names, hashes."""

from __future__ import annotations

import shutil

import pytest

from nlpsuite.errors import PluginError
from nlpsuite.registry import get_perturbation, get_perturbations, provider_of


def swap(name: str, text: str, direction: str) -> str:
    result = get_perturbation(name).apply(text, direction)
    for sub in result.substitutions:  # every logged offset points at the word it replaced
        assert text[sub.start:sub.end] == sub.original
    return result.text


def test_built_in_perturbations_are_registered_by_their_plugin():
    names = {p.name for p in get_perturbations()}
    assert {"gender", "names", "race_names"} <= names
    assert provider_of("perturbations", "gender") == "perturbations"
    gender = get_perturbation("gender")
    assert {"male->female", "female->male"} <= set(gender.directions)
    assert gender.groups == ("male", "female")


@pytest.mark.parametrize("text, expected", [
    ("He left.", "She left."),
    ("HE LEFT.", "SHE LEFT."),
    ("he left.", "she left."),
    ("His father's car", "Her mother's car"),
    ("(he) said: he, then him!", "(she) said: she, then her!"),
    ("The book is his.", "The book is hers."),
    ("He shaved himself", "She shaved herself"),
    ("my ex-husband and my Mother-in-law", "my ex-wife and my Mother-in-law"),
])
def test_gender_swaps_keep_case_possessives_and_punctuation(text, expected):
    assert swap("gender", text, "male->female") == expected


def test_gender_swaps_respect_word_boundaries():
    # "son" inside Orson, "he" inside "the"/"hesitant"/"she", "man" inside "Manchester"
    text = "Orson, the hesitant Manchester fan, met the chairman's son."
    assert swap("gender", text, "male->female") == "Orson, the hesitant Manchester fan, met the chairwoman's daughter."


@pytest.mark.parametrize("text, expected", [
    ("I saw her dog.", "I saw his dog."),          # before a content word: possessive
    ("I saw her.", "I saw him."),                  # before punctuation: object
    ("I gave her the keys", "I gave him the keys"),  # before a function word: object
    ("I told her", "I told him"),                  # at the end: object
    ("Her own words", "His own words"),
    ("The keys are hers.", "The keys are his."),
])
def test_her_becomes_his_or_him_by_the_next_token(text, expected):
    assert swap("gender", text, "female->male") == expected


def test_several_swaps_in_one_input_are_each_logged():
    result = get_perturbation("gender").apply("She told her brother that she loved her mother.", "female->male")
    assert result.text == "He told his brother that he loved his father."
    assert [s.original for s in result.substitutions] == ["She", "her", "she", "her", "mother"]


def test_names_swap_whole_names_only_and_keep_possessives_and_case():
    assert swap("names", "Emily's dog met Gregory and emily.", "female->male") == "Greg's dog met Gregory and greg."
    assert swap("names", "EMILY, Emilyann", "female->male") == "GREG, Emilyann"
    # a hyphenated name is one name, and its spelling comes from the list
    assert swap("names", "bobbie-sue and Bobbie-Sue", "female->male") == "brad and Brad"
    assert swap("names", "Greg met Todd.", "male->female") == "Emily met Sarah."


def test_names_that_are_common_words_are_never_swapped():
    text = "A frank talk: Jack will jack up the amber light, crystal clear, and sue Kenya."
    assert swap("names", text, "male->female") == text
    assert swap("race_names", text, "european_american->african_american") == text


def test_race_names_swap_within_gender():
    assert swap("race_names", "Greg and Emily", "european_american->african_american") == "Kareem and Malika"
    assert swap("race_names", "Kareem", "african_american->european_american") == "Greg"


def test_german_word_list_swaps_outputs_back():
    assert swap("gender", "er liest sein buch .", "male->female@de") == "sie liest ihr buch ."
    assert swap("gender", "sie gibt ihm ihr buch .", "female->male@de") == "er gibt ihm sein buch ."


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="unknown direction"):
        get_perturbation("gender").apply("he", "male->robot")


def test_word_lists_match_their_recorded_hashes_and_cite_their_sources():
    import hashlib

    from nlpsuite.plugins.perturbations.wordlists import DATA_DIR, DATA_SHA256, provenance

    for name, expected in DATA_SHA256.items():
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == expected
        record = provenance(name)
        assert record["sha256"] == expected and record["citations"]
    citations = " ".join(provenance("first_names.json")["citations"])
    assert "Bertrand" in citations and "Caliskan" in citations


def test_an_edited_word_list_is_refused(tmp_path):
    from nlpsuite.plugins.perturbations.wordlists import DATA_DIR, DATA_SHA256, FIRST_NAMES, read_checked

    copy = tmp_path / FIRST_NAMES
    shutil.copy(DATA_DIR / FIRST_NAMES, copy)
    copy.write_text(copy.read_text(encoding="utf-8").replace('"Emily"', '"Emilia"'), encoding="utf-8")
    with pytest.raises(PluginError, match="SHA-256"):
        read_checked(copy, DATA_SHA256[FIRST_NAMES])
