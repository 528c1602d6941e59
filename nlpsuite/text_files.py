"""Reading the text files users hand us: regular files only, UTF-8 with or without a byte-order mark.

Every reader of user data (JSONL, CSV, TSV, plain text, run directories) goes
through here so that the same faults get the same clear error:

* a path that is missing, a directory, a FIFO/socket/device, or unreadable is
  refused before it is opened (opening a FIFO would block until a writer comes);
* bytes that are not UTF-8 are reported at their line and column, decoded line
  by line: Python's text reader decodes 8 KiB ahead, so its errors surface at
  the first line read, not the line that holds the bad byte;
* a UTF-8 byte-order mark (Windows editors write one) is dropped, and a UTF-16
  mark (Notepad's "Unicode") means UTF-16 text, which is decoded as such.
"""

from __future__ import annotations

import codecs
import io
import stat
from collections.abc import Iterator
from pathlib import Path

from nlpsuite.errors import InputError

UTF8_HINT = "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 FILE > FILE.utf8`)"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def check_regular_file(path: Path, what: str) -> None:
    """Raise :class:`InputError` unless ``path`` is an existing regular file; ``what`` names it (``dataset file``)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{what} {str(path)!r} does not exist", hint="check the path") from None
    except PermissionError:
        raise InputError(f"{what} {str(path)!r} cannot be reached (permission denied)",
                         hint="check the permissions of the directories above it") from None
    except OSError as exc:
        raise InputError(f"{what} {str(path)!r} cannot be read ({exc.strerror or exc})", hint="check the path") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{what} {str(path)!r} is a directory, not a file", hint="pass a file inside it")
    if not stat.S_ISREG(mode):
        raise InputError(f"{what} {str(path)!r} is {_kind_of(mode)}, not a regular file",
                         hint="write the data to a file first and pass that file")


def open_binary(path: Path, what: str) -> io.BufferedReader:
    """Open a checked regular file for reading bytes, turning OS errors into :class:`InputError`."""
    check_regular_file(path, what)
    try:
        return path.open("rb")
    except PermissionError:
        raise InputError(f"{what} {str(path)!r} cannot be read (permission denied)",
                         hint="check the file's permissions (e.g. `chmod u+r FILE`)") from None
    except OSError as exc:
        raise InputError(f"{what} {str(path)!r} cannot be read ({exc.strerror or exc})", hint="check the path") from None


def _not_utf8(path: Path, line: int, raw_line: bytes, offset: int) -> InputError:
    bad = raw_line[offset : offset + 1].hex() or "end of line"
    return InputError(f"{path}:{line}: not UTF-8 text (byte 0x{bad} at column {offset + 1})", hint=UTF8_HINT)


def decode_line(raw: bytes, path: Path, line: int) -> str:
    """One line of bytes as text, or an error naming the file, the line and the column of the bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, line, raw, exc.start) from None


def _decode_utf16(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError:
        raise InputError(f"{path}: starts with a UTF-16 byte-order mark but is not valid UTF-16 text",
                         hint=UTF8_HINT) from None


def iter_lines(path: Path, what: str) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` for each line, decoded one at a time (streaming; the line keeps its end)."""
    with open_binary(path, what) as handle:
        first = handle.read(2)
        if first in _UTF16_BOMS:
            text = _decode_utf16(first + handle.read(), path)
            yield from enumerate(io.StringIO(text, newline=None), start=1)
            return
        handle.seek(0)
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            yield number, decode_line(raw, path, number)


def read_text(path: Path, what: str) -> str:
    """The whole file as text (byte-order mark dropped); a bad byte is reported at its line."""
    with open_binary(path, what) as handle:
        data = handle.read()
    if data[:2] in _UTF16_BOMS:
        return _decode_utf16(data, path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        line = data.count(b"\n", 0, exc.start) + 1
        raise _not_utf8(path, line, data[start : end if end >= 0 else len(data)], exc.start - start) from None
