"""Fan-out: every target of a plan probed concurrently, under one hard deadline.

The deadline is a wall-clock bound on the run, whatever a server does: the
probes run in daemon threads and the caller's thread only waits, in short
slices, until they are done or the deadline (plus a short grace for probes to
report their own cut-off) has passed. A probe still in flight then (a server
trickling its headers, a hung DNS lookup or proxy) is reported as a deadline
``timeout`` and abandoned: a daemon thread never keeps the process alive. The
short wait slices also let a signal handler's exception (interrupts.py) end
the run at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Generic, Mapping, Sequence, TypeVar

from gpt56probe.core.models import ModelTable
from gpt56probe.core.observation import Exchange, Failure, Observation, Target
from gpt56probe.net.probe import Deadline, HttpSettings, Prober, make_session, now_iso

WAIT_SLICE_S = 0.05
"""How long the waiting thread sleeps at a time: the bound on how late it sees a signal."""
REPORT_GRACE_S = 0.25
"""After the deadline, how long a probe may take to report its own cut-off before it is abandoned."""

T = TypeVar("T")


class OpenedConnections:
    """Every connection a session opens, so the ones still waiting at the deadline can be shut down:
    an abandoned probe's thread then ends at once, instead of reading a server's trickle for the rest
    of the process and taking CPU from classifying, recording and reporting. Uses urllib3's own hook
    for this (``PoolManager.pool_classes_by_scheme``, "so other PoolManagers can override them"),
    for the direct pools and every proxy's."""

    def __init__(self, session: Any) -> None:
        self._opened: list[Any] = []
        self._lock = threading.Lock()
        for adapter in {id(a): a for a in session.adapters.values()}.values():
            self._track(adapter.poolmanager)
            make_proxy_manager = adapter.proxy_manager_for

            def proxy_manager_for(proxy: str, _make: Any = make_proxy_manager, **kwargs: Any) -> Any:
                manager = _make(proxy, **kwargs)
                self._track(manager)
                return manager

            adapter.proxy_manager_for = proxy_manager_for

    def _track(self, manager: Any) -> None:
        if getattr(manager, "_gpt56probe_tracked", False):
            return
        manager._gpt56probe_tracked = True
        record = self._record

        def tracked(pool_class: Any) -> Any:
            class TrackedPool(pool_class):  # type: ignore[misc, valid-type]
                def _new_conn(self) -> Any:
                    connection = super()._new_conn()
                    record(connection)
                    return connection

            return TrackedPool

        manager.pool_classes_by_scheme = {scheme: tracked(cls) for scheme, cls in manager.pool_classes_by_scheme.items()}

    def _record(self, connection: Any) -> None:
        with self._lock:
            self._opened.append(connection)

    def shut_down(self) -> int:
        """Shut every opened socket for reading and writing (close() alone does not wake a blocked recv()); how many."""
        import socket

        with self._lock:
            opened = list(self._opened)
        count = 0
        for connection in opened:
            sock = getattr(connection, "sock", None)
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
                count += 1
            except OSError:
                pass
        return count


@dataclass(frozen=True)
class RunResult:
    observations: tuple[Observation, ...]
    wall_s: float
    abandoned: int = 0  # probes still in flight at the deadline, reported as timeout


def _wait_until(done: threading.Event, end: float) -> bool:
    """Wait for ``done`` until monotonic time ``end``, in slices a signal can interrupt."""
    while not done.is_set():
        left = end - time.monotonic()
        if left <= 0:
            return False
        done.wait(min(WAIT_SLICE_S, left))
    return True


@dataclass
class Bounded(Generic[T]):
    """The outcome of ``call_bounded``: a value, an error, or neither (still running at the bound)."""

    finished: bool
    value: T | None = None
    error: BaseException | None = None


def call_bounded(fn: Callable[[], T], timeout_s: float, name: str = "bounded") -> Bounded[T]:
    """Run ``fn`` in a daemon thread and wait at most ``timeout_s`` for it.

    For blocking calls no timeout option can bound (a server trickling its
    headers, a keyring waiting for an unlock prompt): the caller goes on, and
    the thread is abandoned, never joined.
    """
    done = threading.Event()
    box: Bounded[T] = Bounded(False)

    def run() -> None:
        try:
            box.value = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box.error = exc
        finally:
            done.set()

    threading.Thread(target=run, name=name, daemon=True).start()
    if not _wait_until(done, time.monotonic() + max(0.0, timeout_s)):
        return Bounded(False)
    return Bounded(True, box.value, box.error)


def _deadline_observation(target: Target, detail: str, started: float | None, started_at: str) -> Observation:
    latency = time.monotonic() - started if started is not None else 0.0
    return Observation(target, sample=Exchange(latency_s=latency, failure=Failure.DEADLINE, failure_detail=detail),
                       started_at=started_at or now_iso())


def run_plan(
    targets: Sequence[Target],
    keys: Mapping[str, str],
    settings: HttpSettings,
    table: ModelTable,
    *,
    concurrency: int = 16,
    deadline_s: float = 60.0,
    proxy: str | None = None,
    precheck: bool = True,
    trust_env: bool = True,
    progress: Callable[[int, int], None] | None = None,
    make_prober: Callable[[Any, HttpSettings, ModelTable, Deadline], Prober] = Prober,
) -> RunResult:
    """Probe every target; results keep the plan's order.

    ``keys`` maps a target's ``key_id`` to the API key. Returns by
    ``deadline_s + REPORT_GRACE_S`` at the latest: a target still queued or in
    flight then is a DEADLINE failure (verdict ``timeout``), never dropped.
    An exception inside a probe (a bug) is raised here, in the caller's thread.
    ``progress(done, total)`` is called as each probe ends (from its thread, under a lock: keep it quick).
    ``make_prober`` builds the Prober (eval calls use one whose request is the task's).
    """
    started = time.monotonic()
    deadline = Deadline(deadline_s)
    count = len(targets)
    results: list[Observation | None] = [None] * count
    begun: list[tuple[float, str] | None] = [None] * count
    errors: list[BaseException] = []
    lock = threading.Lock()
    done = threading.Event()
    cursor = [0]
    finished = [0]
    if count == 0:
        return RunResult((), 0.0)
    workers = max(1, min(concurrency, count))
    session = make_session(pool_size=workers, proxy=proxy, trust_env=trust_env)
    connections = OpenedConnections(session)
    stop = threading.Event()
    if settings.tracer is not None:  # an abandoned probe that ends after the run returned traces nothing
        tracer = settings.tracer
        settings = replace(settings, tracer=lambda line: None if stop.is_set() else tracer(line))
    prober = make_prober(session, settings, table, deadline)

    def worker() -> None:
        while not stop.is_set():
            with lock:
                index = cursor[0]
                cursor[0] += 1
            if index >= count:
                return
            target = targets[index]
            observation: Observation | None = None
            try:
                if deadline.left() <= 0:
                    observation = _deadline_observation(target, "not started before the deadline", None, "")
                else:
                    begun[index] = (time.monotonic(), now_iso())
                    observation = prober.probe(target, keys.get(target.key_id, ""), precheck=precheck)
            except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
                with lock:
                    errors.append(exc)
                stop.set()
                done.set()
                return
            finally:
                with lock:
                    if observation is not None:
                        results[index] = observation
                    finished[0] += 1
                    if progress is not None and not stop.is_set():
                        progress(finished[0], count)
                    if finished[0] >= count:
                        done.set()

    if progress is not None:
        progress(0, count)
    threads = [threading.Thread(target=worker, name=f"probe-{n}", daemon=True) for n in range(workers)]
    try:
        for thread in threads:
            thread.start()
        completed = _wait_until(done, deadline.end + REPORT_GRACE_S)
    finally:
        stop.set()  # queued targets are not started any more; in-flight ones are abandoned
    if errors:
        raise errors[0]
    abandoned = 0
    with lock:
        observations = list(results)
        starts = list(begun)
    for index, observation in enumerate(observations):
        if observation is None:
            start = starts[index]
            if start is not None:
                abandoned += 1
                observations[index] = _deadline_observation(targets[index], "still waiting for the answer at the deadline",
                                                            start[0], start[1])
            else:
                observations[index] = _deadline_observation(targets[index], "not started before the deadline", None, "")
    if completed:
        session.close()
    else:  # the abandoned probes' sockets are shut: their threads end now; the session is dropped with them
        connections.shut_down()
    return RunResult(tuple(o for o in observations if o is not None), time.monotonic() - started, abandoned)
