"""Every failure reaches the visitor in the tab's own output area, in the page's words, never as a traceback.

An :class:`~nlpsuite.errors.NlpsuiteError` already says what is wrong and how to
fix it (for the command line: :mod:`~nlpsuite.web.page_wording` rewords it for
the page); anything else is a bug, shown as one line with a pointer to the
server log (where the traceback goes, for the operator).

A handler wrapped by :func:`inline_errors` answers a failure with its tab's
"failed" values: the message in the tab's error area and every other output
emptied, so no result of an earlier run (or of another task) stays on screen
under the message.  Errors are answers, not exceptions, which also keeps one
request's failure to itself when requests are answered in batches.
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
from nlpsuite.web.page_wording import page_text
from nlpsuite.web.values import UIValueError

#: What a visitor is told to do when the host gave no hint fit for the page.
GENERIC_HINT = "check the inputs on this tab and run again"


def user_message(exc: BaseException) -> tuple[str, str]:
    """(message, hint) for the visitor, in the page's words."""
    if isinstance(exc, NlpsuiteError):
        return page_text(exc.message), page_text(exc.hint, hint=True) or GENERIC_HINT
    if isinstance(exc, UIValueError):
        return page_text(str(exc)), "correct the value and run again"
    return (f"internal error ({type(exc).__name__})",
            "this is a bug in the server; its log has the details for the operator")


def error_markdown(exc: BaseException) -> str:
    """The tab's error area for ``exc``: what went wrong, then what to do on this page."""
    known = isinstance(exc, (NlpsuiteError, UIValueError))
    if not known:
        traceback.print_exception(exc, file=sys.stderr)
    message, hint = user_message(exc)
    title = "Could not run" if known else "Something went wrong"
    return (f"**{title}:** {_md(message)}\n\n"
            f"**What to do:** {_md(hint)}")


def _md(text: str) -> str:
    return html.escape(text, quote=False).replace("*", "\\*").replace("_", "\\_")


#: ``on_error(markdown)``: the handler's full set of output values for a failure.
OnError = Callable[[str], Any]


def inline_errors(fn: Callable[..., Any], on_error: OnError) -> Callable[..., Any]:
    """Wrap a Gradio handler (plain or generator) so that a failure is answered with ``on_error``'s values."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the visitor gets a message, the log the traceback
                yield on_error(error_markdown(exc))
        return generator

    @functools.wraps(fn)
    def plain(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            return on_error(error_markdown(exc))
    return plain
