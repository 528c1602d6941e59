"""Errors a user can cause and fix.  The CLI prints them as one message, no traceback."""

from __future__ import annotations

#: Exit statuses every command uses (listed in ``nlpsuite --help``).
EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug: rerun with --debug and report it
EXIT_USAGE = 2  # bad arguments, options or input; nothing was run
EXIT_SOME_FAILED = 3  # some inputs failed; their outputs carry "error", the rest were written
EXIT_ALL_FAILED = 4  # every input failed
EXIT_INTERRUPTED = 130


class NlpsuiteError(Exception):
    """Base class: ``message`` says what is wrong, ``hint`` says how to fix it."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(NlpsuiteError):
    """Bad arguments or options."""


class UnknownNameError(UsageError):
    """A task, model, metric, dataset or perturbation name nobody registered."""


class PluginError(NlpsuiteError):
    """A plugin failed to load or registered something invalid (fatal only in strict mode)."""


class ModelUnavailableError(NlpsuiteError):
    """The model cannot be had right now (offline and not cached, hub unreachable).

    A task's default model raising this makes the host fall back to the task's
    embedded model; a model the user asked for does not fall back.
    """


class ModelSecurityError(NlpsuiteError):
    """Loading would run remote code or unpickle weights without the user's consent."""


class ModelIntegrityError(NlpsuiteError):
    """A model's files do not match their registered SHA-256."""


class InputError(NlpsuiteError):
    """Input data is malformed: the message names the file, line and field."""


class OutputError(NlpsuiteError):
    """A result cannot be written where the user asked (a file in the way, read-only, disk full)."""


def failure_exit_status(failures: int, total: int) -> int:
    """The one rule every command exits by when some of its inputs failed (``run``, ``eval``, ``rescore``,
    ``audit``): 0 none failed, 3 some did (their rows carry ``error``), 4 all did."""
    if not failures:
        return EXIT_OK
    return EXIT_ALL_FAILED if failures >= total else EXIT_SOME_FAILED
