"""Built-in counterfactual perturbations for bias audits (``nlpsuite audit``).

* ``gender``: gendered words and pronouns, male→female and female→male (English;
  German too, for swapping back the outputs of an en→de translation audit);
* ``names``: first names, female→male and male→female, from Bertrand &
  Mullainathan (2004), Greenwald et al. (1998) and Caliskan et al. (2017);
* ``race_names``: first names, european_american→african_american and back,
  from the same studies.

Directions are ``SOURCE->TARGET``; a direction with ``@LANG`` applies the swap to
text in another language (the audit uses it on outputs).  A perturbation that
lists no ``@LANG`` directions (the name swaps) is language-independent.  Word
lists are data files with citations, checked against their SHA-256 when first
used (:mod:`.wordlists`); matching rules are in :mod:`.swapping`.
"""

from __future__ import annotations

from nlpsuite import hookimpl
from nlpsuite.specs import PerturbationResult, PerturbationSpec

NLPSUITE_PLUGIN_API = "1.0"

GENDER_DIRECTIONS = ("male->female", "female->male")
RACE_DIRECTIONS = ("european_american->african_american", "african_american->european_american")
OUTPUT_LANGUAGES = ("de",)


def parse_direction(direction: str, allowed: tuple[str, ...]) -> tuple[str, str | None]:
    """``"male->female@de"`` → (``"male->female"``, ``"de"``); refuses directions the spec does not list."""
    base, _, language = direction.partition("@")
    if base not in allowed:
        raise ValueError(f"unknown direction {direction!r}; directions: {', '.join(allowed)}")
    return base, language or None


def apply_gender(text: str, direction: str) -> PerturbationResult:
    from nlpsuite.plugins.perturbations.wordlists import gender_swapper

    base, language = parse_direction(direction, GENDER_DIRECTIONS)
    language = language or "en"
    if language not in ("en", *OUTPUT_LANGUAGES):
        raise ValueError(f"gender swaps have no word list for language {language!r}")
    return gender_swapper(base.split("->")[0], language).apply(text)


def apply_names(text: str, direction: str) -> PerturbationResult:
    from nlpsuite.plugins.perturbations.wordlists import name_swapper

    base, _ = parse_direction(direction, GENDER_DIRECTIONS)
    return name_swapper("gender", base.split("->")[0]).apply(text)


def apply_race_names(text: str, direction: str) -> PerturbationResult:
    from nlpsuite.plugins.perturbations.wordlists import name_swapper

    base, _ = parse_direction(direction, RACE_DIRECTIONS)
    return name_swapper("race", base.split("->")[0]).apply(text)


def word_list_provenance(name: str) -> list[dict]:
    """Provenance of the lists behind a built-in perturbation (the audit report shows it)."""
    from nlpsuite.plugins.perturbations.wordlists import FIRST_NAMES, GENDER_TERMS, provenance

    return [provenance(GENDER_TERMS if name == "gender" else FIRST_NAMES)]


# Provenance of the word lists, read by the audit report (PerturbationSpec has no field for it in API 1.0).


@hookimpl
def register_perturbations() -> list[PerturbationSpec]:
    return [
        PerturbationSpec(
            name="gender",
            description="gendered words and pronouns (he/she, his/her/hers, mother/father, …), both directions; "
            "'her' becomes his or him by the next word",
            apply=apply_gender,
            provenance=lambda: word_list_provenance("gender"),
            directions=(*GENDER_DIRECTIONS, *(f"{d}@{lang}" for lang in OUTPUT_LANGUAGES for d in GENDER_DIRECTIONS)),
            groups=("male", "female"),
        ),
        PerturbationSpec(
            name="names",
            description="first names by gender (Bertrand & Mullainathan 2004; Greenwald et al. 1998; "
            "Caliskan et al. 2017), both directions",
            apply=apply_names,
            provenance=lambda: word_list_provenance("names"),
            directions=GENDER_DIRECTIONS,
            groups=("male", "female"),
        ),
        PerturbationSpec(
            name="race_names",
            description="first names by race/ethnicity (Bertrand & Mullainathan 2004; Greenwald et al. 1998 as "
            "listed by Caliskan et al. 2017), both directions",
            apply=apply_race_names,
            provenance=lambda: word_list_provenance("race_names"),
            directions=RACE_DIRECTIONS,
            groups=("european_american", "african_american"),
        ),
    ]
