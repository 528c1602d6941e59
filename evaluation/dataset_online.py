"""Datasets fetched from the network: Hugging Face ``datasets`` ids and sacrebleu test sets.

Offline these stop at once with a message saying what to do; they never try
the network then (users behind firewalls get a clear answer, not a timeout).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.evaluation.dataset import EvalDataset, RowMapper
from nlpsuite.specs import TaskSpec

SPLIT_NAMES = ("train", "validation", "valid", "dev", "test")
DEFAULT_SPLIT = "test"


def _refuse_offline(what: str) -> None:
    raise UsageError(
        f"{what} needs the network, and offline mode is on (--offline or HF_HUB_OFFLINE=1)",
        hint="go online for this run, or export the data to a local .jsonl/.csv/.tsv file and pass --dataset FILE",
    )


def parse_hf_reference(text: str) -> tuple[str, str | None, str, str | None]:
    """``org/name[@revision][:config][:split]`` → (name, config, split, revision).

    With one extra part, a usual split name (train/validation/test/…, or a
    slice such as ``test[:100]``) is the split, anything else the config.
    """
    parts = re.split(r":(?![^\[]*\])", text)  # a slice such as train[:100] keeps its colon
    name, _, revision = parts[0].partition("@")
    if not name or len(parts) > 3:
        raise UsageError(f"hf:{text!r} is not a Hugging Face dataset reference", hint="write hf:org/name[:config][:split]")
    config: str | None = None
    split = DEFAULT_SPLIT
    if len(parts) == 2:
        extra = parts[1]
        if extra.split("[")[0] in SPLIT_NAMES:
            split = extra
        else:
            config = extra or None
    elif len(parts) == 3:
        config, split = parts[1] or None, parts[2] or DEFAULT_SPLIT
    return name, config, split, revision or None


def load_hf(
    task: TaskSpec,
    reference: str,
    *,
    columns: Mapping[str, str],
    task_args: Mapping[str, Any],
    offline: bool,
) -> EvalDataset:
    """A split of a Hugging Face dataset, its columns mapped with ``--columns`` (dotted names reach nested fields)."""
    name, config, split, revision = parse_hf_reference(reference)
    if offline:
        _refuse_offline(f"Hugging Face dataset hf:{reference}")
    try:
        import datasets
    except ImportError:
        raise UsageError("Hugging Face datasets need the 'datasets' package",
                         hint="pip install 'nlpsuite[hub]'") from None
    try:
        data = datasets.load_dataset(name, config, split=split, revision=revision)
    except Exception as exc:  # noqa: BLE001 - datasets raises many types; the user needs the message
        raise InputError(
            f"could not load Hugging Face dataset {name!r} (config {config!r}, split {split!r}): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            hint="check the name, config and split on the hub page of the dataset",
        ) from exc
    where = f"hf:{reference}"
    mapper = RowMapper(task, columns, where=where, task_args=task_args)
    mapper.check_header(list(data.column_names))
    samples = [mapper.sample(row, number) for number, row in enumerate(data, start=1)]
    fingerprint = getattr(data, "_fingerprint", None)
    return EvalDataset(name=where, source=f"hf:{name}:{config or ''}:{split}", version=revision or fingerprint,
                       samples=samples, columns=dict(columns))


def load_sacrebleu(
    task: TaskSpec,
    reference: str,
    *,
    columns: Mapping[str, str],
    task_args: Mapping[str, Any],
    offline: bool,
) -> EvalDataset:
    """A sacrebleu test set, ``TESTSET/SRC-TGT`` (e.g. ``wmt14/en-de``): first reference, ids are line numbers."""
    del columns  # sacrebleu sets have fixed fields
    test_set, _, langpair = reference.rpartition("/")
    if not test_set or "-" not in langpair:
        raise UsageError(f"sacrebleu:{reference!r} is not TESTSET/SRC-TGT", hint="e.g. sacrebleu:wmt14/en-de")
    if offline:
        _refuse_offline(f"sacrebleu test set {reference}")
    from sacrebleu.dataset import DATASETS

    if test_set not in DATASETS:
        raise UsageError(f"sacrebleu has no test set {test_set!r}", hint="list them with `sacrebleu --list`")
    if langpair not in DATASETS[test_set].langpairs:
        pairs = ", ".join(sorted(p for p in DATASETS[test_set].langpairs if "-" in p))
        raise UsageError(f"sacrebleu test set {test_set!r} has no language pair {langpair!r}", hint=f"pairs: {pairs}")
    from sacrebleu.utils import get_reference_files, get_source_file

    source_path = get_source_file(test_set, langpair)
    reference_path = get_reference_files(test_set, langpair)[0]
    from nlpsuite.evaluation.dataset_files import load_parallel_text

    src_lang, _, tgt_lang = langpair.partition("-")
    args = {"src_lang": src_lang, "tgt_lang": tgt_lang, **task_args}
    parallel = load_parallel_text(task, [source_path, reference_path], task_args=args)
    return EvalDataset(name=f"sacrebleu:{reference}", source=f"sacrebleu:{test_set}:{langpair}",
                       version=f"sacrebleu-{_sacrebleu_version()}", samples=parallel.samples,
                       columns=parallel.columns)


def _sacrebleu_version() -> str:
    from importlib.metadata import version

    return version("sacrebleu")
