"""``--runtime auto``: measure the exact runtimes installed for a model once per machine, use the fastest.

Which runtime is fastest depends on the CPU (ONNX Runtime's int8 gains little
without VNNI, CTranslate2 uses MKL only on Intel, torch gains more from a second
core than CTranslate2), so nothing here ranks runtimes by rule.  Instead each
candidate runs a short, bounded probe on the model's real shapes; a float32
candidate whose outputs differ from the reference runtime's (torch) beyond
:data:`EXACT_ATOL` for vectors, or in any token for greedy generations, is never
chosen.  int8 changes outputs by design, so it is only ever chosen when asked for
(``--quantize int8``), and then among the int8 runtimes.

The outcome is stored as JSON under ``<cache>/runtime-choices/``, keyed by the
machine (CPU model and flags, cores), the model's weights, the runtime versions
and the thread count, so the probe is paid once per machine and model: a second
process, the demo and each Ray worker on the machine read the stored choice.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import platform
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from nlpsuite.cache_dir import default_cache_dir
from nlpsuite.errors import UsageError

#: Bump when the probe's inputs or its rule change: stored choices of an older probe are measured again.
PROBE_VERSION = 2
#: Largest element-wise difference from torch's vectors for a float32 runtime to count as giving the same outputs.
EXACT_ATOL = 1e-5
#: Each candidate is timed for at most this long, and at most :data:`MAX_REPEATS` runs (the best run counts).
TIME_BUDGET_S = 0.6
MAX_REPEATS = 5
REFERENCE = "torch"
#: How much faster than the reference another runtime must measure to be chosen (a short probe's noise).
MARGIN = 0.05
#: The modules each runtime needs.
RUNTIME_MODULES = {"torch": ("torch",), "onnx": ("onnxruntime", "onnx"), "ct2": ("ctranslate2",)}
#: Modules whose version can change a runtime's speed or its outputs (the reference ``generate``, the tokenizers,
#: the graph and model converters): part of the stored choice's key.
VERSIONED_MODULES = ("torch", "onnxruntime", "onnx", "ctranslate2", "transformers", "tokenizers")

#: A candidate's probe: build it (not timed: a conversion is paid once anyway), then ``run()`` gives its outputs.
Build = Callable[[], Callable[[], Any]]


@dataclass(frozen=True)
class Measurement:
    """One runtime's probe: items per second (best run), and how far its outputs are from the reference's."""

    runtime: str
    items_per_s: float | None = None
    difference: float | None = None
    exact: bool | None = None
    error: str | None = None
    #: the error was the runtime refusing this model or these settings (it would again), not a passing failure
    refused: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RuntimeSelection:
    """What ``auto`` chose for a model on this machine, and why (recorded by ``nlpsuite runtimes``)."""

    runtime: str
    quantize: str
    reason: str
    measurements: tuple[Measurement, ...] = ()
    probe_s: float = 0.0
    reused: bool = False
    key: str = ""
    conditions: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"runtime": self.runtime, "quantize": self.quantize, "reason": self.reason,
                "measurements": [m.to_dict() for m in self.measurements], "probe_s": round(self.probe_s, 3),
                "reused": self.reused, "key": self.key, "conditions": dict(self.conditions)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, reused: bool) -> RuntimeSelection:
        return cls(runtime=str(data["runtime"]), quantize=str(data["quantize"]), reason=str(data["reason"]),
                   measurements=tuple(Measurement(**m) for m in data.get("measurements", ())),
                   probe_s=float(data.get("probe_s", 0.0)), reused=reused, key=str(data.get("key", "")),
                   conditions=dict(data.get("conditions", {})))


@dataclass(frozen=True)
class ProbeTarget:
    """A model to choose a runtime for.

    ``weights`` is the content key of the weights (their SHA-256, or that of merged
    weights); ``candidates`` the runtimes that can run it at ``quantize``, each a
    :data:`Build`; ``same(reference, outputs)`` says whether two probe outputs are
    the same and by how much they differ; ``items`` is the number of inputs a run handles;
    ``signature`` is whatever else decides the outputs (generation settings, stop strings, a
    conversion recipe): part of the stored choice's key; ``what`` names the model in the notice.
    """

    kind: str
    weights: str
    quantize: str
    candidates: Mapping[str, Build]
    same: Callable[[Any, Any], tuple[bool, float]]
    items: int
    signature: Mapping[str, Any] = field(default_factory=dict)
    what: str = "the model"


def machine_conditions() -> dict[str, Any]:
    """What the measured order depends on: the CPU (model and instruction-set flags), cores and threads."""
    cpu, flags = platform.processor() or "", ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name" and not cpu:
                cpu = value.strip()
            elif name.strip() in ("flags", "Features") and not flags:
                flags = " ".join(sorted(value.split()))
    except OSError:  # not Linux: the platform strings must do
        pass
    return {
        "machine": platform.machine(),
        "system": platform.system(),
        "cpu": cpu,
        "cpu_flags_sha256": hashlib.sha256(flags.encode()).hexdigest()[:16],
        "cores": os.cpu_count(),
        "threads": cpu_threads(),
    }


def cpu_threads() -> int:
    """The threads every runtime here uses: ``OMP_NUM_THREADS`` when set (as torch reads it), else the cores this
    process may run on (a Ray actor's share, a container's CPU set)."""
    given = os.environ.get("OMP_NUM_THREADS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def module_installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def module_version(module: str) -> str | None:
    """The version of the distribution that provides ``module`` (``onnxruntime`` may come from
    ``onnxruntime-gpu`` or ``onnxruntime-openvino``), looked up without importing it; None when absent."""
    if not module_installed(module):
        return None
    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        providers = metadata.packages_distributions().get(module) or []
        for distribution in providers:
            try:
                return f"{distribution} {metadata.version(distribution)}"
            except metadata.PackageNotFoundError:
                continue
        return "unknown"


def runtime_installed(runtime: str) -> bool:
    """Whether ``runtime``'s modules can be imported (found, not imported)."""
    return all(module_installed(module) for module in RUNTIME_MODULES[runtime])


def choices_dir() -> Path:
    return default_cache_dir() / "runtime-choices"


def _digest(description: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()


def pin_key(target: ProbeTarget) -> str:
    """What a choice is about, whatever the machine: the model, its quantization and signature, the candidates."""
    return _digest({"kind": target.kind, "weights": target.weights, "quantize": target.quantize,
                    "candidates": sorted(target.candidates), "signature": dict(target.signature)})


def selection_key(target: ProbeTarget, conditions: Mapping[str, Any]) -> str:
    """What a stored choice holds for: the choice's subject (:func:`pin_key`) on this machine, with these versions."""
    from nlpsuite import __version__

    return _digest({"probe": PROBE_VERSION, "nlpsuite": __version__, "subject": pin_key(target),
                    "versions": {module: module_version(module) for module in VERSIONED_MODULES},
                    "conditions": dict(conditions)})


def stored_selection(key: str) -> RuntimeSelection | None:
    """The choice stored under ``key``, or None when there is none or it cannot be read (then it is measured again)."""
    path = choices_dir() / f"{key[:32]}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return RuntimeSelection.from_dict(data, reused=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(selection: RuntimeSelection) -> None:
    """Write the choice atomically (a unique temporary name, then rename): concurrent probes both succeed."""
    directory = choices_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        final = directory / f"{selection.key[:32]}.json"
        temporary = directory / f".{final.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        temporary.write_text(json.dumps(selection.to_dict(), indent=2, sort_keys=True), encoding="utf-8")
        os.replace(temporary, final)
    except OSError:  # a read-only cache: the choice holds for this process and is measured again next time
        pass


def _race(runs: Mapping[str, Callable[[], Any]]) -> dict[str, float]:
    """Best seconds of each run, timed in alternating rounds (the order rotating) so that a neighbour's burst
    of load falls on every candidate alike: at least two rounds, at most :data:`MAX_REPEATS`, and no new round
    once :data:`TIME_BUDGET_S` per candidate is spent."""
    names = list(runs)
    best = {name: float("inf") for name in names}
    spent = 0.0
    for round_ in range(MAX_REPEATS):
        if round_ >= 2 and spent >= TIME_BUDGET_S * len(names):
            break
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            began = time.perf_counter()
            runs[name]()
            elapsed = time.perf_counter() - began
            best[name], spent = min(best[name], elapsed), spent + elapsed
    return best


def _measure(target: ProbeTarget) -> tuple[list[Measurement], str, str]:
    """Probe every candidate; returns the measurements, the chosen runtime and the reason.

    Each candidate is built and run once (its warm-up, and the outputs compared with the reference's); the
    ones that ran are then timed together.  A runtime other than the reference is chosen only when it is at
    least :data:`MARGIN` faster: within that the two are equal as far as a short probe can tell.
    """
    failed: list[Measurement] = []
    differences: dict[str, tuple[bool | None, float | None]] = {}
    runs: dict[str, Callable[[], Any]] = {}
    reference_outputs: Any = None
    float32 = target.quantize == "none"
    order = sorted(target.candidates, key=lambda name: name != REFERENCE)  # the reference first
    for name in order:
        try:
            run = target.candidates[name]()
            outputs = run()  # also the warm-up
            exact, difference = (None, None) if not float32 else (True, 0.0)
            if float32 and name == REFERENCE:
                reference_outputs = outputs
            elif float32:
                if reference_outputs is None:
                    raise RuntimeError(f"the reference runtime {REFERENCE} could not run the probe")
                exact, difference = target.same(reference_outputs, outputs)
            runs[name], differences[name] = run, (exact, difference)
        except UsageError as exc:  # the runtime refuses this model or these settings: skipped, and so next time
            failed.append(Measurement(name, error=exc.message[:300], refused=True))
        except Exception as exc:  # a runtime that failed here (memory, disk) is skipped, and measured again next time
            failed.append(Measurement(name, error=f"{type(exc).__name__}: {exc}"[:300]))
    seconds = _race(runs) if runs else {}
    measurements = [Measurement(name, round(target.items / max(seconds[name], 1e-9), 1),
                                None if differences[name][1] is None else float(f"{differences[name][1]:.3g}"),
                                differences[name][0]) for name in runs] + failed
    usable = [m for m in measurements if m.error is None and m.exact is not False]
    if not usable:
        fallback = REFERENCE if float32 else order[0]
        return measurements, fallback, "no runtime completed the probe; using " + fallback
    fastest = max(usable, key=lambda m: m.items_per_s or 0.0)
    reference = next((m for m in usable if m.runtime == REFERENCE), None)
    best = fastest if reference is None or (fastest.items_per_s or 0.0) >= (reference.items_per_s or 0.0) * (1 + MARGIN) \
        else reference
    others = [m for m in usable if m is not best]
    reason = f"fastest {'exact ' if float32 else 'int8 '}runtime measured here ({best.runtime} {best.items_per_s:g} items/s"
    reason += "".join(f", {m.runtime} {m.items_per_s:g}" for m in others)
    if best is not fastest:
        reason += f"; {fastest.runtime} not {MARGIN:.0%} faster"
    skipped = [m.runtime for m in measurements if m.exact is False]
    if skipped:
        reason += f"; not exact: {', '.join(skipped)}"
    return measurements, best.runtime, reason + ")"


def select_runtime(target: ProbeTarget, notify: Callable[[str], None] | None = None,
                   pins: MutableMapping[str, str] | None = None) -> RuntimeSelection:
    """The runtime ``auto`` uses for ``target``: pinned in ``pins`` (a Ray worker's: its driver's choice), else
    stored for this machine, else measured now (and stored, unless a candidate failed for a passing reason);
    ``notify`` hears that a measurement starts.  The choice is recorded in ``pins``."""
    pinned = pins.get(pin_key(target)) if pins is not None else None
    if pinned is not None and pinned in target.candidates:
        return RuntimeSelection(pinned, target.quantize, "the driver's choice for this run", reused=True)
    selection = _select(target, notify)
    if pins is not None:
        pins[pin_key(target)] = selection.runtime
    return selection


def _select(target: ProbeTarget, notify: Callable[[str], None] | None) -> RuntimeSelection:
    if not target.candidates:
        raise UsageError(f"no runtime installed here can run {target.what}"
                         + (" with int8 weights" if target.quantize == "int8" else ""),
                         hint="install the fast extra (pip install 'nlpsuite[fast]') or the ct2 extra "
                              "(pip install 'nlpsuite[ct2]'), or drop --quantize int8")
    if len(target.candidates) == 1:
        (only,) = target.candidates
        what = "runtime installed" if target.quantize == "none" else "int8 runtime"
        return RuntimeSelection(only, target.quantize, f"the only {what} for this model")
    conditions = machine_conditions()
    key = selection_key(target, conditions)
    stored = stored_selection(key)
    if stored is not None:
        return stored
    # Processes starting together (Ray actors, demo workers) probe one at a time: the first measures and
    # stores; the others then read its choice, so every process here runs the same runtime.
    with _probe_lock(key):
        stored = stored_selection(key)
        if stored is not None:
            return stored
        if notify is not None:
            notify(f"measuring which runtime runs {target.what} fastest here with torch's outputs "
                   f"({', '.join(sorted(target.candidates))}; once per machine and model; --runtime torch skips it)")
        began = time.perf_counter()
        measurements, chosen, reason = _measure(target)
        selection = RuntimeSelection(chosen, target.quantize, reason, tuple(measurements),
                                     time.perf_counter() - began, False, key, conditions)
        if not any(m.error is not None and not m.refused for m in measurements):
            _store(selection)
    return selection


@contextmanager
def _probe_lock(key: str) -> Iterator[None]:
    """An exclusive lock per stored choice (POSIX ``flock``); where none can be had (a read-only cache, a file
    system without locks, another OS) the probe runs unlocked: at worst two processes measure."""
    handle = _locked(choices_dir() / f".{key[:32]}.lock")
    try:
        yield
    finally:
        if handle is not None:
            handle.close()  # closing releases the lock


def _locked(path: Path) -> Any:
    try:
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
    except (ImportError, OSError):
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    except OSError:  # ENOLCK on some network file systems
        handle.close()
        return None
    return handle


def vectors_match(reference: Any, outputs: Any) -> tuple[bool, float]:
    """Probe outputs that are arrays of vectors: the same within :data:`EXACT_ATOL`, element-wise."""
    import numpy as np

    a, b = np.asarray(reference, dtype=np.float64), np.asarray(outputs, dtype=np.float64)
    if a.shape != b.shape:
        return False, float("inf")
    difference = float(np.max(np.abs(a - b))) if a.size else 0.0
    return difference <= EXACT_ATOL, difference


def tokens_match(reference: Sequence[Sequence[Any]], outputs: Sequence[Sequence[Any]]) -> tuple[bool, float]:
    """Probe outputs that are generated token sequences: the same only when every token is; the
    difference is the share of sequences that differ."""
    differing = sum(list(a) != list(b) for a, b in zip(reference, outputs)) + abs(len(reference) - len(outputs))
    return differing == 0, differing / max(len(reference), 1)


#: Probe sentences for encoders: ordinary English of the lengths tasks see (a few words to a paragraph),
#: repeated with varied lengths so batches pad as real data does.
_PROBE_WORDS = (
    "the committee said on tuesday that the new rules would take effect next year after a long review of how "
    "small firms report their costs while critics argued that the change does little for workers who already "
    "struggle with rising rents and a film that was warm funny and far too long for its own good"
).split()


def probe_sentences(count: int = 96) -> list[str]:
    """``count`` deterministic sentences of 4 to about 70 words."""
    sentences = []
    for i in range(count):
        length = 4 + (i * 37) % 67
        start = (i * 11) % len(_PROBE_WORDS)
        words = [_PROBE_WORDS[(start + j) % len(_PROBE_WORDS)] for j in range(length)]
        sentences.append(" ".join(words).capitalize() + ".")
    return sentences
