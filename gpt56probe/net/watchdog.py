"""One thread that ends every response whose body is still arriving when its read budget runs out.

requests' read timeout bounds each socket read, and urllib3 keeps reading until a chunk is full, so a
body trickling a byte at a time would never time out: the response is shut from outside. A thread per
request (``threading.Timer``) costs a thread start and stop for every probe, a sizeable part of a
10,000-probe run; one watcher with a heap of deadlines costs a push and a flag.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any, Callable


class _Watch:
    """One response's budget: ``fired`` once it ran out and the response was shut."""

    __slots__ = ("when", "seq", "action", "active", "fired")

    def __init__(self, when: float, seq: int, action: Callable[[], None]) -> None:
        self.when, self.seq, self.action = when, seq, action
        self.active = True
        self.fired = False

    def __lt__(self, other: "_Watch") -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


def _nothing() -> None:
    return None


class Watchdog:
    """Runs each registered action at its time unless cancelled first; one daemon thread, started on first use."""

    def __init__(self) -> None:
        self._heap: list[_Watch] = []
        self._wake = threading.Condition()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, budget_s: float, action: Callable[[], None]) -> _Watch:
        entry = _Watch(time.monotonic() + max(0.0, budget_s), next(self._seq), action)
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="gpt56probe-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0] is entry:
                self._wake.notify()
        return entry

    def cancel(self, entry: _Watch) -> None:
        entry.active = False  # left in the heap: dropped when its time comes (cheaper than a removal)
        entry.action = _nothing  # and holds no response meanwhile

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0].when > time.monotonic():
                    if self._heap and not self._heap[0].active:
                        heapq.heappop(self._heap)
                        continue
                    self._wake.wait(None if not self._heap else self._heap[0].when - time.monotonic())
                entry = heapq.heappop(self._heap)
            if entry.active:
                entry.fired = True
                try:
                    entry.action()
                except Exception:  # noqa: BLE001 - a half-closed socket may complain; the reader sees it
                    pass


WATCHDOG = Watchdog()
"""The process's one watcher of body budgets."""


class BodyBudget:
    """Shuts ``response`` when ``budget_s`` runs out before the ``with`` block ends (``fired`` says it did)."""

    def __init__(self, response: Any, budget_s: float) -> None:
        self._response = response
        self._budget_s = budget_s
        self._entry: _Watch | None = None

    @property
    def fired(self) -> bool:
        return self._entry is not None and self._entry.fired

    def _fire(self) -> None:
        # close() alone does not wake a thread blocked in recv(); shutdown() does.
        connection = getattr(self._response.raw, "_connection", None)
        sock = getattr(connection, "sock", None)
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        finally:
            self._response.close()

    def __enter__(self) -> "BodyBudget":
        self._entry = WATCHDOG.watch(self._budget_s, self._fire)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._entry is not None:
            WATCHDOG.cancel(self._entry)
