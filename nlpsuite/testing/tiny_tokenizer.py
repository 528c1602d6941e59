"""A word-level tokenizer built from a few sentences, saved with ``save_pretrained``.

The tiny test models (``tiny_seq2seq``, ``tiny_classifier``, ``tiny_masked_lm``)
share it so that they load back through ``AutoTokenizer`` like any hub model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

SPECIAL_TOKENS = ("<pad>", "</s>", "<unk>", "<s>", "<mask>", "<cls>", "<sep>")
WORD = re.compile(r"\w+|[^\w\s]")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def build_word_tokenizer(
    texts: Iterable[str],
    *,
    template: str = "$A </s>",
    extra_tokens: Iterable[str] = (),
) -> Any:
    """A ``PreTrainedTokenizerFast`` whose vocabulary is the special tokens plus every word in ``texts``.

    ``template`` is the post-processing for one sequence (``"$A </s>"`` for
    seq2seq, ``"<cls> $A <sep>"`` for encoders).
    """
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {token: i for i, token in enumerate(SPECIAL_TOKENS)}
    for text in texts:
        for word in words(text):
            vocab.setdefault(word, len(vocab))
    for token in extra_tokens:
        vocab.setdefault(token, len(vocab))
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tokenizer.post_processor = processors.TemplateProcessing(
        single=template,
        special_tokens=[(t, vocab[t]) for t in SPECIAL_TOKENS if t in template],
    )
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="<unk>",
        pad_token="<pad>",
        eos_token="</s>",
        bos_token="<s>",
        mask_token="<mask>",
        cls_token="<cls>",
        sep_token="<sep>",
    )
