"""Language codes: ISO 639-1 (``en``), NLLB/FLORES (``eng_Latn``) and the tokens models use for them.

Marian/opus-mt models are named by pair (``opus-mt-en-de``); multi-target
Marian models take a ``>>de<<`` token before the source; M2M100 marks
languages with ``__de__`` tokens and NLLB with ``deu_Latn`` tokens, the target
one forced as the first generated token.
"""

from __future__ import annotations

import re
from typing import Any

from nlpsuite.errors import InputError

#: ISO 639-1 → NLLB (FLORES-200) codes for widely used languages; other NLLB codes are accepted as given.
NLLB_CODES = {
    "ar": "arb_Arab", "bg": "bul_Cyrl", "bn": "ben_Beng", "ca": "cat_Latn", "cs": "ces_Latn", "da": "dan_Latn",
    "de": "deu_Latn", "el": "ell_Grek", "en": "eng_Latn", "es": "spa_Latn", "et": "est_Latn", "fa": "pes_Arab",
    "fi": "fin_Latn", "fr": "fra_Latn", "he": "heb_Hebr", "hi": "hin_Deva", "hr": "hrv_Latn", "hu": "hun_Latn",
    "id": "ind_Latn", "it": "ita_Latn", "ja": "jpn_Jpan", "ko": "kor_Hang", "lt": "lit_Latn", "lv": "lvs_Latn",
    "nl": "nld_Latn", "no": "nob_Latn", "pl": "pol_Latn", "pt": "por_Latn", "ro": "ron_Latn", "ru": "rus_Cyrl",
    "sk": "slk_Latn", "sl": "slv_Latn", "sr": "srp_Cyrl", "sv": "swe_Latn", "sw": "swh_Latn", "th": "tha_Thai",
    "tr": "tur_Latn", "uk": "ukr_Cyrl", "ur": "urd_Arab", "vi": "vie_Latn", "zh": "zho_Hans",
}
ISO_FROM_NLLB = {nllb: iso for iso, nllb in NLLB_CODES.items()}

NLLB_PATTERN = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")
OPUS_PAIR = re.compile(r"opus-mt-([a-z]{2,3}(?:_[a-z]+)?)-([a-z]{2,3}(?:_[a-z]+)?)$", re.IGNORECASE)
_LANGUAGE_TOKEN = re.compile(r"^(__[a-z]{2,3}__|[a-z]{3}_[A-Z][a-z]{3})$")


def iso_code(code: str) -> str:
    """``eng_Latn`` → ``en``; an ISO code is returned lowercased."""
    code = code.strip()
    if NLLB_PATTERN.match(code):
        return ISO_FROM_NLLB.get(code, code.split("_")[0])
    return code.lower()


def opus_pair(model_name: str) -> tuple[str, str] | None:
    """The (source, target) pair in an opus-mt model name, e.g. ``Helsinki-NLP/opus-mt-en-de`` → ``("en", "de")``."""
    match = OPUS_PAIR.search(model_name.rstrip("/"))
    return (match.group(1).lower(), match.group(2).lower()) if match else None


def token_candidates(code: str) -> list[str]:
    """Tokens a multilingual model may use for ``code``: the M2M100 form, then the NLLB form."""
    code = code.strip()
    if NLLB_PATTERN.match(code):
        iso = ISO_FROM_NLLB.get(code)
        return [code, *([f"__{iso}__"] if iso else [])]
    iso = code.lower()
    return [f"__{iso}__", *([NLLB_CODES[iso]] if iso in NLLB_CODES else [])]


def language_token_id(tokenizer: Any, code: str, model_name: str, field: str) -> int:
    """The id of the token that stands for language ``code`` in this model's vocabulary."""
    for candidate in token_candidates(code):
        token_id = tokenizer.convert_tokens_to_ids(candidate)
        if token_id is not None and token_id != tokenizer.unk_token_id:
            return token_id
    known = known_language_tokens(tokenizer)
    raise InputError(
        f"{field} {code!r}: model {model_name} has no language token for it",
        hint=f"use a code this model knows, e.g. {', '.join(known[:12]) or 'en, de, fr'}",
    )


def known_language_tokens(tokenizer: Any) -> list[str]:
    """Language tokens in the vocabulary, as codes a user can type (``de``, ``deu_Latn``)."""
    tokens = sorted(t for t in tokenizer.get_vocab() if _LANGUAGE_TOKEN.match(t))
    return [t.strip("_") if t.startswith("__") else t for t in tokens]


def target_prefix_tokens(tokenizer: Any) -> list[str]:
    """``>>xx<<`` target-language tokens of a multi-target Marian model (empty for single-pair ones)."""
    return sorted(t for t in tokenizer.get_vocab() if t.startswith(">>") and t.endswith("<<"))
