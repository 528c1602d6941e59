"""Abstractive summaries from a sequence-to-sequence model, chunking documents longer than its window."""

from __future__ import annotations

from typing import Any

from nlpsuite.models.reference import ModelRequest
from nlpsuite.models.seq2seq import (
    fit_spans,
    generate_texts,
    load_seq2seq_task,
    structural_generation_config,
    content_token_counts,
)
from nlpsuite.sentences import SPLIT_RULE, sentence_spans
from nlpsuite.specs import TaskOptions

#: Generation settings used unless ``--gen-kwargs`` overrides them (the CNN/DailyMail recipe of BART,
#: without its 56-token minimum, which pads out short documents).
DEFAULT_GENERATION: dict[str, Any] = {
    "num_beams": 4,
    "max_new_tokens": 142,
    "min_length": 0,
    "length_penalty": 2.0,
    "no_repeat_ngram_size": 3,
    "early_stopping": True,
    "do_sample": False,
}
LONG_INPUT_CHOICES = ("chunk", "truncate")
CHUNK_JOINER = " "


class AbstractiveSummarizer:
    """``predict`` writes one summary per document; ``config`` records every setting that shaped it."""

    batch_size = 8

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.request = request
        self.long_input = str(options.task_args.get("long_input", LONG_INPUT_CHOICES[0]))
        self.setup = load_seq2seq_task(request, options, DEFAULT_GENERATION)
        self.generation, self.model, self.tokenizer, self.notes, self.window = self.setup[:5]
        self.runtime_selection = self.setup.runtime_selection  # what --runtime auto measured (nlpsuite runtimes)
        self.special_tokens = self.tokenizer.num_special_tokens_to_add()
        # Sentence token counts are summed separately; joining them can shift a count by a token or two.
        self.chunk_budget = max(1, self.window - self.special_tokens - max(2, self.window // 50))
        if options.batch_size:
            self.batch_size = options.batch_size

    def config(self) -> dict[str, Any]:
        return {
            "method": "abstractive",
            "architecture": (getattr(self.model.config, "architectures", None) or [type(self.model).__name__])[0],
            "generation": dict(self.generation),
            "model_generation_config": structural_generation_config(self.model),
            "max_input_tokens": self.window,
            "long_input": self.long_input,
            "chunking": f"whole sentences ({SPLIT_RULE}; every line break ends one) packed into chunks of at most "
            f"{self.chunk_budget} tokens; chunk summaries joined with a space",
            "notes": list(self.notes),
            **self.setup.runtime_record(),
        }

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        documents = [str(record["document"]) for record in records]
        lengths = [count + self.special_tokens for count in content_token_counts(self.tokenizer, documents)]
        chunks: list[str] = []
        owner: list[int] = []
        warnings: list[list[str]] = [[] for _ in documents]
        for index, (document, length) in enumerate(zip(documents, lengths)):
            pieces, warning = self._pieces(document, length)
            if warning:
                warnings[index].append(warning)
            chunks.extend(pieces)
            owner.extend([index] * len(pieces))

        generated = generate_texts(
            self.model, self.tokenizer, chunks, self.generation, window=self.window, batch_size=self.batch_size
        )
        summaries: list[list[str]] = [[] for _ in documents]
        cut: set[int] = set()
        unfinished: set[int] = set()
        for index, text, truncated, hit_limit in zip(owner, generated.texts, generated.truncated, generated.hit_length_limit):
            if text:
                summaries[index].append(text)
            if truncated:
                cut.add(index)
            if hit_limit:
                unfinished.add(index)
        outputs = []
        for index, parts in enumerate(summaries):
            notes = warnings[index]
            if index in cut and self.long_input == "chunk":
                notes.append(f"a chunk was still longer than the {self.window}-token window and lost its end")
            if index in unfinished:
                notes.append(
                    f"the summary reached max_new_tokens={self.generation.get('max_new_tokens')} before the model "
                    "ended it and may be cut short; raise it with --gen-kwargs max_new_tokens=N"
                )
            if not documents[index].strip():
                notes.append("document is blank: nothing to summarize")
            output: dict[str, Any] = {"summary": CHUNK_JOINER.join(parts)}
            if notes:
                output["warnings"] = notes
            outputs.append(output)
        return outputs

    def _pieces(self, document: str, length: int) -> tuple[list[str], str | None]:
        if not document.strip():
            return [], None
        if length <= self.window:
            return [document], None
        if self.long_input == "truncate":
            return [document], (
                f"document truncated from {length} to {self.window} tokens (the model's input window); "
                "pass --arg long_input=chunk to summarize all of it"
            )
        fitted = fit_spans(self.tokenizer, document, sentence_spans(document, split_lines=True), self.chunk_budget, pack=True)
        warning = (
            f"document has {length} tokens, more than the model's {self.window}-token window: "
            f"summarized in {len(fitted.spans)} chunks of whole sentences and joined"
        )
        if fitted.split_inside_sentence:
            warning += "; a sentence longer than the window was cut between words"
        return [document[start:end] for start, end in fitted.spans], warning
