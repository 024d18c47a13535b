"""Reading tier-served logs: files, globs, stdin, rotated and gzip'd files, whatever bytes they hold.

The I/O half of ``served`` (the pure half is ``migrate.served``). Months of logs written by many
processes are read line by line in bounded memory: a line longer than ``MAX_LINE`` bytes is skipped
without being held, bytes that are not UTF-8 are replaced (the line is counted), a gzip file cut
short keeps the lines before the cut, and a file that cannot be read is named, never fatal unless
nothing at all could be read.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import sys
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Iterator, Sequence

from gpt56probe.migrate.served import Reading, ServedCall, parse_line

MAX_LINE = 64 * 1024
"""Bytes: a served line is a few hundred; anything near this long is not one."""
GZIP_MAGIC = b"\x1f\x8b"
STDIN = "-"


class NoInput(Exception):
    """Nothing could be read: every path is missing or unreadable, or a glob matched nothing."""


@dataclass
class _Tally:
    lines: int = 0
    bad: int = 0
    bad_bytes: int = 0
    long: int = 0
    sources: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    outside: int = 0

    def reading(self) -> Reading:
        return Reading(tuple(self.sources), self.lines, self.bad, self.bad_bytes, self.long, tuple(self.unreadable), self.outside)


def expand(paths: Sequence[str]) -> list[str]:
    """Each argument as given when it exists (or is ``-``), else its glob matches in name order
    (``served.log*`` picks up ``served.log.1`` and ``served.log.2.gz`` too); a pattern that matches
    nothing stays, so that it is reported as missing."""
    out: list[str] = []
    for path in paths:
        if path == STDIN or os.path.lexists(path) or not glob.has_magic(path):
            out.append(path)
            continue
        matches = sorted(glob.glob(path))
        out.extend(matches or [path])
    return list(dict.fromkeys(out))


def _lines(stream: BinaryIO, tally: _Tally) -> Iterator[bytes]:
    """The lines of ``stream`` (without their newline); over-long ones counted and skipped in chunks."""
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            tally.long += 1
            tally.lines += 1
            while True:  # drop the rest of the line without holding it
                rest = stream.readline(MAX_LINE)
                if not rest or rest.endswith(b"\n"):
                    break
            continue
        yield line.rstrip(b"\r\n")


def _open(path: str, stdin: BinaryIO | None) -> BinaryIO:
    if path == STDIN:
        raw: BinaryIO = stdin if stdin is not None else sys.stdin.buffer
    else:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type,type-var]
    if buffered.peek(2)[:2] == GZIP_MAGIC:  # by content: a rotated .gz renamed, or zcat's input
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def read_calls(paths: Sequence[str], stdin: BinaryIO | None = None,
               since: datetime | None = None, until: datetime | None = None) -> tuple[list[ServedCall], Reading]:
    """Every served call in ``paths`` (globs expanded, ``-`` for stdin) from ``since`` to ``until``
    (the others are counted, not kept: months of rotated logs need not fit in memory), and what
    reading found. Raises NoInput when no input could be opened at all."""
    tally = _Tally()
    calls: list[ServedCall] = []
    opened = 0
    for path in expand(paths):
        if path != STDIN and os.path.isdir(path):
            tally.unreadable.append(f"{path}: is a directory")
            continue
        try:
            stream = _open(path, stdin)
        except OSError as exc:
            tally.unreadable.append(f"{path}: {exc.strerror or exc}")
            continue
        opened += 1
        tally.sources.append("stdin" if path == STDIN else path)
        try:
            for raw in _lines(stream, tally):
                tally.lines += 1
                if not raw.strip():
                    tally.lines -= 1
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    tally.bad_bytes += 1
                    text = raw.decode("utf-8", "replace")
                call = parse_line(text)
                if call is None:
                    tally.bad += 1
                elif (since is not None and call.ts < since) or (until is not None and call.ts > until):
                    tally.outside += 1
                else:
                    calls.append(call)
        except (OSError, EOFError, zlib.error) as exc:  # a gzip cut short, a disk error: keep what was read
            tally.unreadable.append(f"{path}: read stopped early ({type(exc).__name__}: {exc})")
        finally:
            if path != STDIN:
                stream.close()
    if not opened:
        raise NoInput("; ".join(tally.unreadable) or "no log given")
    return calls, tally.reading()
