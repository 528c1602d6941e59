"""The one place where the host's words become the page's: CLI flags become page controls, paths go.

Host errors are written for the command line (``--model PATH``, ``--columns``,
``nlpsuite rescore``) and may carry paths of the server (an upload's temporary
file, the install path of the embedded model).  Everything a visitor reads goes
through :func:`page_text`:

1. each CLI form with a control on the page is replaced by that control's name
   (:data:`PAGE_CONTROLS`);
2. a sentence still naming a CLI flag or command is dropped from a hint (it
   tells a visitor of something they cannot do here), and a flag left in a
   message reads "a server setting";
3. every absolute or home-relative path, and any deeper relative one, is cut to its
   last part (an uploaded ``/tmp/gradio/…/reviews.csv`` reads ``reviews.csv``).
"""

from __future__ import annotations

import re

#: (CLI form, page wording), tried in order: longer forms before the flags they start with.
PAGE_CONTROLS: tuple[tuple[str, str], ...] = (
    # an example written for the command line teaches nothing on the page
    (r"\s*\(?,?\s*e\.g\.,?\s+(?:--|`?nlpsuite |iconv)[^;)]*\)?", ""),
    (r"pass --model PATH to a local model directory,? or go online",
     "pick a local model in Model (the server's operator can offer more)"),
    # a visitor picks from what the server offers, and cannot take the server online
    (r"pass --model PATH to a local ([^,;]*?) directory(?: written by save_pretrained)?(?: \([^)]*\))?",
     r"pick a local \1 in Model, if the server offers one"),
    (r",?\s*or go online\b[^;]*", ""),
    # an exception's own text in parentheses is for the operator's log
    (r"\s*\((?:[A-Za-z]+(?:Error|Exception)): [^()]*(?:\([^()]*\)[^()]*)*\)", ""),
    (r"--model PATH", "Model"),
    (r"--model\b", "Model"),
    (r"--columns(?: [\w.=,]+)?", "the Columns boxes"),
    (r"--label-map(?: [\w.=,-]+)?", "the Label map table"),
    (r"--arg (\w+)=\S*", r"\1 under Task settings"),
    (r"--arg\b", "Task settings"),
    (r"--gen-kwargs (\w+)=\S*", r"\1 under Generation settings"),
    (r"--gen-kwargs\b", "Generation settings"),
    (r"--src\b", "src lang"),
    (r"--tgt\b", "tgt lang"),
    (r"--limit\b", "Limit"),
    (r"--max-input-chars\b", "the server's input limit"),
    (r"--max-upload-mb\b", "the server's upload limit"),
)
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_COMMAND = re.compile(r"`?nlpsuite (?:run|eval|rescore|compare|audit|demo|plugins|tasks|models)\b[^`;.]*`?|\biconv\b")
_SENTENCE = re.compile(r";\s*|,\s*or\s+(?=[a-z])|(?<=[a-z)])\.\s+(?=[A-Z])")
#: A path: absolute or home-relative, or relative with two or more separators (a hub id has one); not a URL.
_PATH = re.compile(r"(?<![\w:/.])(?:~?/|\.{1,2}/|[\w.-]+/[\w.-]+/)[^\s'\"`,;:()<>]*")


def _controls(text: str) -> str:
    for pattern, wording in PAGE_CONTROLS:
        text = re.sub(pattern, wording, text)
    return text


def _last_part(match: re.Match[str]) -> str:
    path = match.group(0).rstrip("/.")
    return path.rsplit("/", 1)[-1] or "a file on the server"


def strip_paths(text: str) -> str:
    """``text`` with every server path cut to its last part."""
    return _PATH.sub(_last_part, text)


def _speaks_cli(text: str) -> bool:
    return bool(_FLAG.search(text) or _COMMAND.search(text))


def page_text(text: str, *, hint: bool = False) -> str:
    """``text`` in the page's words (see the module docstring); a ``hint`` loses its CLI-only sentences."""
    text = _controls(text or "")
    if hint:
        parts = [p for p in _SENTENCE.split(text) if p and not _speaks_cli(p)]
        text = "; ".join(p.strip().rstrip(";") for p in parts if p.strip())
    else:
        text = _COMMAND.sub("a server command", _FLAG.sub("a server setting", text))
    return strip_paths(text).strip()
