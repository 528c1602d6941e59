"""Every failure reaches the user as a readable message, never a traceback.

An :class:`~nlpsuite.errors.NlpsuiteError` already says what is wrong and how to
fix it; anything else is a bug, shown as one line with a pointer to the server
log (where the traceback goes, for the operator).
"""

from __future__ import annotations

import functools
import html
import inspect
import sys
import traceback
from collections.abc import Callable
from typing import Any

from nlpsuite.errors import NlpsuiteError
from nlpsuite.web.values import UIValueError


def user_message(exc: BaseException) -> tuple[str, str]:
    """(message, hint) for the user."""
    if isinstance(exc, NlpsuiteError):
        return exc.message, exc.hint
    if isinstance(exc, UIValueError):
        return str(exc), "correct the value and run again"
    return (f"internal error: {type(exc).__name__}: {exc}",
            "this is a bug; the server log has the details")


def as_gradio_error(exc: BaseException) -> Exception:
    """A ``gr.Error`` (its text is shown as HTML, so it is escaped here)."""
    import gradio as gr

    if isinstance(exc, gr.Error):
        return exc
    message, hint = user_message(exc)
    text = html.escape(message, quote=False) + (f" — hint: {html.escape(hint, quote=False)}" if hint else "")
    known = isinstance(exc, (NlpsuiteError, UIValueError))
    if not known:
        traceback.print_exception(exc, file=sys.stderr)
    return gr.Error(text, title="Could not run" if known else "Internal error", print_exception=False)


def readable_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Gradio handler (plain or generator) so that every exception becomes a ``gr.Error``."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the user gets a message, the log the traceback
                raise as_gradio_error(exc) from None
        return generator

    @functools.wraps(fn)
    def plain(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            raise as_gradio_error(exc) from None
    return plain
