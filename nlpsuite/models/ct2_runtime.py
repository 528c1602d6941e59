"""What the CTranslate2 models (``--runtime ct2``) share: the engine, the runtime record, seeding.

CTranslate2 seeds each worker thread's random generator once, when the thread
starts (``set_random_seed`` changes only the seed later threads start from), so
a sampled call's output depends on its seed alone only when it runs on an engine
started after seeding: :meth:`Ct2Model.seeded_engine` starts one.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from nlpsuite.models.ct2_conversion import WEIGHT_TYPES
from nlpsuite.models.runtime_probe import cpu_threads

_SEEDING = threading.Lock()  # the seed is process-wide until the seeded engine has started


class Ct2Model:
    """A converted model in ``model_dir`` run by a CTranslate2 ``engine`` class (``Translator``, ``Generator``)."""

    engine_name = ""

    def __init__(self, model_dir: Path, generation_config: Any, tokenizer: Any, quantize: str) -> None:
        self.model_dir = model_dir
        self.generation_config = generation_config
        self.tokenizer = tokenizer
        self.quantize = quantize
        self.threads = cpu_threads()
        self.engine = self._start_engine()

    def _start_engine(self) -> Any:
        import ctranslate2

        return getattr(ctranslate2, self.engine_name)(
            str(self.model_dir), device="cpu", compute_type=WEIGHT_TYPES[self.quantize],
            inter_threads=1, intra_threads=self.threads)

    def engine_for(self, seed: int | None) -> Any:
        """The engine to decode with: the loaded one, or for sampling a fresh one started with ``seed``."""
        if seed is None:
            return self.engine
        import ctranslate2

        with _SEEDING:
            ctranslate2.set_random_seed(seed)
            return self._start_engine()

    def describe(self) -> dict[str, str]:
        """What runs the model (recorded in task configs, as the fast encoders record theirs)."""
        return {"runtime": "ct2", "quantize": self.quantize}

    def eos_ids(self) -> set[int]:
        eos = self.generation_config.eos_token_id
        return set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
