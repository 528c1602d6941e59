"""Text generation and likelihood scoring with a causal language model: the ``generation`` task.

Any ``AutoModelForCausalLM`` (hub id, ``@revision`` or local directory; ``gpt2``
by default, no embedded fallback) answers two kinds of record:

* ``{"prompt": …}`` → ``continuation``: the text the model writes after the
  prompt, with the decoding settings given as ``--gen-kwargs`` (greedy, beam,
  sampling with temperature/top-k/top-p, max_new_tokens, repetition_penalty,
  ``stop`` strings, ``seed``).  With none given it does exactly what
  ``model.generate(input_ids)`` does with the model's own generation defaults,
  and its config says so.  Sampling is seeded (seed 0 unless given) and each
  prompt is sampled on its own, so an output does not depend on its batch;
* ``{"text": …}`` → the text's log-likelihood under the model, and no
  continuation: the prediction *is* the score.

Every output holds ``likelihood`` = ``{nll, n_tokens, n_bytes, logprob,
perplexity, bits_per_byte, scored}``: of the text (a text record), of the text
given the prompt (a record with both), or of the generated continuation given
the prompt (a prompt record: the model's own perplexity of what it wrote).

**Eval over texts.**  ``nlpsuite eval --task generation --dataset texts.jsonl``
(records with ``text``) reports ``perplexity`` and ``bits_per_byte``, bound to
``likelihood`` and needing no reference: the corpus values come from the summed
NLL, tokens and bytes (``[nll, n_tokens, n_bytes]`` stats rows), with a
bootstrap CI over documents.  Because the score is the prediction, the
harness's prediction cache, resume and ``nlpsuite rescore`` work unchanged (a
rescore recomputes perplexity from stored likelihoods, loading no model).
Long texts are scored with a sliding window (task arguments ``window`` and
``stride``; see :mod:`nlpsuite.models.causal_scoring`).

**Continuations against references.**  The harness requires the reference
column of a task that declares a reference field, so the same model and
settings are offered as a second task, ``generation-reference``: records
``{"prompt", "reference"}``, continuations judged by chrF and ROUGE-L.

Capabilities: ``stream`` (tokens as they are produced: ``nlpsuite run --task
generation --stream "…"``, the demo) and ``score`` (``TextScore`` per text,
used by the bias plugin's causal-LM pair tests through the same scorer).
"""

from __future__ import annotations

from typing import Any

from nlpsuite import DatasetSpec, FieldSpec, MetricBinding, TaskOptions, TaskSpec, argument, hookimpl
from nlpsuite.generation_settings import TEXT_GENERATION_SETTINGS

NLPSUITE_PLUGIN_API = "1.0"

TASK_NAME = "generation"
REFERENCE_TASK_NAME = "generation-reference"
DEFAULT_MODEL = "gpt2"
SAMPLE_DATASET = "generation-sample"
NO_MODEL_HINT = (
    "pass --model PATH to a local causal LM directory written by save_pretrained (GPT-2 style: config.json, "
    "tokenizer, safetensors weights), or go online so that gpt2 can be downloaded"
)

ARGUMENTS = (
    argument("window", "integer", "scoring: tokens per forward pass (default: the model's context)", minimum=2),
    argument("stride", "integer", "scoring: texts longer than the window are scored in windows ending this many "
             "tokens apart; each token keeps at least window - stride tokens of context (default: half the window)",
             minimum=1),
    argument("score_first_token", "boolean", "scoring: put the tokenizer's BOS token before a text so that its first "
             "token is scored too (false: the first token is context only)", default=True),
    argument("per_token", "boolean", "add each scored token and its NLL under details.tokens", default=False),
)
LIKELIHOOD_FIELD = FieldSpec(
    "likelihood", "json",
    "{nll (nats, summed), n_tokens, n_bytes, logprob, perplexity, bits_per_byte, scored}: the scored text's "
    "log-likelihood (the text; the text given the prompt; or the continuation given the prompt)",
)
INPUT_FIELDS = (
    FieldSpec("prompt", "text", "text to continue", required=False),
    FieldSpec("text", "text", "text to score (with a prompt: scored as its continuation)", required=False),
)
OUTPUT_FIELDS = (
    FieldSpec("continuation", "text", "the generated text after the prompt (absent when only a text is scored)",
              required=False),
    LIKELIHOOD_FIELD,
)
EXAMPLES = (
    {"prompt": "The quick brown fox jumps over the lazy dog"},
    {"text": "The museum opens at nine on weekdays and at ten on Sundays."},
)


def build(request: Any, options: TaskOptions) -> Any:
    """Load ``request`` as a causal LM and return a :class:`~nlpsuite.plugins.generation.causal_lm.CausalLMTask`."""
    from nlpsuite.plugins.generation.causal_lm import CausalLMTask

    return CausalLMTask(request, options)


def build_reference_task(request: Any, options: TaskOptions) -> Any:
    from nlpsuite.plugins.generation.causal_lm import CausalLMTask

    return CausalLMTask(request, options, require_prompt=True)


@hookimpl
def register_tasks() -> list[TaskSpec]:
    common: dict[str, Any] = dict(
        build=build,
        default_model=DEFAULT_MODEL,
        fallback_model=None,
        no_fallback_hint=NO_MODEL_HINT,
        arguments=ARGUMENTS,
        generation_settings=TEXT_GENERATION_SETTINGS,
        capabilities=("stream", "score"),
        batch_size=8,
    )
    return [
        TaskSpec(
            name=TASK_NAME,
            description="Continue a prompt with a causal LM (gpt2 or any AutoModelForCausalLM), or score a text's "
            "log-likelihood; eval over texts reports perplexity and bits per byte",
            input_fields=INPUT_FIELDS,
            output_fields=OUTPUT_FIELDS,
            metrics=(MetricBinding("perplexity", "likelihood"), MetricBinding("bits_per_byte", "likelihood")),
            examples=EXAMPLES,
            sample_dataset=SAMPLE_DATASET,
            **common,
        ),
        TaskSpec(
            name=REFERENCE_TASK_NAME,
            description="Continue prompts with a causal LM and judge the continuations against references "
            "(chrF, ROUGE-L); the generation task's model and settings",
            input_fields=(FieldSpec("prompt", "text", "text to continue"),),
            output_fields=(FieldSpec("continuation", "text", "the generated text after the prompt"), LIKELIHOOD_FIELD),
            reference_field="reference",
            metrics=(
                MetricBinding("chrf", "continuation", "reference"),
                MetricBinding("rougeL", "continuation", "reference"),
                MetricBinding("perplexity", "likelihood", name="continuation_perplexity"),
            ),
            examples=EXAMPLES[:1],
            **{**common, "build": build_reference_task},
        ),
    ]


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    from nlpsuite.jsonl import packaged_sample_dataset

    return [
        packaged_sample_dataset(
            name=SAMPLE_DATASET,
            task=TASK_NAME,
            package=__name__,
            description="20 short everyday English texts for perplexity, written for nlpsuite",
        )
    ]
