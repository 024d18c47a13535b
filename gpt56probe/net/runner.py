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
from gpt56probe.core.observation import Exchange, Failure, ModelListing, Observation, Target
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


def _wait_until(done: threading.Event, end: float, tick: Callable[[], None] | None = None) -> bool:
    """Wait for ``done`` until monotonic time ``end``, in slices a signal can interrupt (``tick`` after each)."""
    while not done.is_set():
        left = end - time.monotonic()
        if left <= 0:
            return False
        done.wait(min(WAIT_SLICE_S, left))
        if tick is not None:
            tick()
    return True


FIRST_WORKERS = 128
"""Workers a run starts with; it adds more only while they all wait on the network (``WorkerGrowth``)."""
CPU_BOUND_SHARE = 0.7
"""The share of a CPU the run's threads used over the last slice at or above which more workers would only wait for
the interpreter's lock: requests' client work holds it, so one core is all the threads of a run can use."""


class WorkerGrowth:
    """Adds workers, doubling, up to the run's bound, while every worker is busy, work is waiting, and the process
    used less than CPU_BOUND_SHARE of a CPU over the last slice: the workers are waiting on the network, and more
    in flight shorten the run. Once the client's own work fills a core, more threads only add memory (each
    thread that made a request keeps about 40 KB) and contention: a fleet at 50 ms stays at 128-256 workers
    instead of 512; at 300 ms it reaches the bound in a few slices."""

    def __init__(self, bound: int, add: Callable[[int], int], load: Callable[[], tuple[int, int, int]]) -> None:
        self._bound = bound
        self._add = add
        self._load = load  # (workers started, workers busy, jobs not yet taken)
        self._since = (time.monotonic(), time.process_time())

    def tick(self) -> None:
        now, cpu = time.monotonic(), time.process_time()
        wall = now - self._since[0]
        if wall <= 0:
            return
        share = (cpu - self._since[1]) / wall
        self._since = (now, cpu)
        running, busy, waiting = self._load()
        if running >= self._bound or busy < running or waiting <= 0 or share >= CPU_BOUND_SHARE:
            return
        wanted = min(running, self._bound - running, waiting)
        if self._add(wanted) < wanted:  # the machine would not start another thread: keep the workers there are
            self._bound = 0


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


def _not_sent(target: Target) -> Observation:
    """A target the run's deadline left no time to send: unjudged (``unknown``), not the network's ``timeout``."""
    return Observation(target, sample=Exchange(failure=Failure.NOT_SENT, failure_detail=NOT_SENT_DETAIL), started_at=now_iso())


NOT_SENT_DETAIL = "not sent: the run's --deadline left no time for it"
AUTO_CONCURRENCY_CAP = 512
"""The most requests the default (``--concurrency`` not given) keeps in flight, across all orgs."""
FDS_KEPT = 64
"""File descriptors the default leaves for everything that is not a probe's socket (state, history, metrics)."""


def auto_concurrency() -> int:
    """Requests in flight across all orgs when --concurrency is not given: what the machine can hold.

    Each request in flight holds a socket (and its pooled twin may linger), so half of the open-file
    limit left after FDS_KEPT, at most AUTO_CONCURRENCY_CAP. The bound that matters to the API is
    per org (probe.PER_ORG_IN_FLIGHT): its rate limits are per org, so a run over many orgs may send
    to all of them at once."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return 64
    if soft == resource.RLIM_INFINITY:
        return AUTO_CONCURRENCY_CAP
    return max(16, min(AUTO_CONCURRENCY_CAP, (soft - FDS_KEPT) // 2))


ListingKey = tuple[str | None, str | None, str]


def _jobs(targets: Sequence[Target], precheck: bool) -> tuple[list[int], list[Target]]:
    """The order of work: each org's model listing just before its first sample, so it travels beside
    them; a job >= 0 is a target's index, a job < 0 is listing ``-1 - job``."""
    order: list[int] = []
    listings: list[Target] = []
    seen: dict[ListingKey, int] = {}
    for index, target in enumerate(targets):
        key = (target.org, target.project, target.key_id)
        if precheck and key not in seen:
            seen[key] = len(listings)
            listings.append(Target(target.org, "", "", project=target.project, key_id=target.key_id))
            order.append(-len(listings))
        order.append(index)
    return order, listings


def _joined(observation: Observation, listing: ModelListing | None) -> Observation:
    if listing is None:
        return observation
    return replace(observation, precheck=listing.state_for(observation.target.model), precheck_exchange=listing.exchange,
                   listing=listing)


def run_plan(
    targets: Sequence[Target],
    keys: Mapping[str, str],
    settings: HttpSettings,
    table: ModelTable,
    *,
    concurrency: int | None = None,
    deadline_s: float = 60.0,
    proxy: str | None = None,
    precheck: bool = True,
    trust_env: bool = True,
    progress: Callable[[int, int], None] | None = None,
    make_prober: Callable[[Any, HttpSettings, ModelTable, Deadline], Prober] = Prober,
) -> RunResult:
    """Probe every target; results keep the plan's order.

    ``keys`` maps a target's ``key_id`` to the API key. One pool of ``concurrency`` workers (None: what
    the machine holds, ``auto_concurrency``) takes the jobs in plan order: each org's ``GET /v1/models``
    (``precheck``) and its samples, never more than probe.PER_ORG_IN_FLIGHT at once to one org. No
    worker ever waits for another's job: listings are joined to their org's observations at the end.
    Returns by ``deadline_s + REPORT_GRACE_S`` at the latest: a target in flight then is a DEADLINE
    failure (verdict ``timeout``), one never sent is NOT_SENT (``unknown``); none is dropped.
    An exception inside a probe (a bug) is raised here, in the caller's thread.
    ``progress(done, total)`` is called as each probe ends (from its thread, under a lock: keep it quick).
    ``make_prober`` builds the Prober (eval calls use one whose request is the task's).
    """
    started = time.monotonic()
    deadline = Deadline(deadline_s)
    count = len(targets)
    if count == 0:
        return RunResult((), 0.0)
    order, listing_targets = _jobs(targets, precheck)
    results: list[Observation | None] = [None] * count
    listings: list[ModelListing | None] = [None] * len(listing_targets)
    begun: list[tuple[float, str] | None] = [None] * count
    errors: list[BaseException] = []
    lock = threading.Lock()
    done = threading.Event()
    cursor = iter(order)
    finished = [0, 0]  # targets, jobs
    taken = [0, 0]  # jobs taken, jobs being worked on now
    workers = max(1, min(concurrency or auto_concurrency(), len(order)))
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
                job = next(cursor, None)
                if job is not None:
                    taken[0] += 1
                    taken[1] += 1
            if job is None:
                return
            observation: Observation | None = None
            listing: ModelListing | None = None
            try:
                if job < 0:
                    target = listing_targets[-1 - job]
                    if deadline.left() > 0:
                        listing = prober.list_models(target, keys.get(target.key_id, ""))
                elif deadline.left() <= 0:
                    observation = _not_sent(targets[job])
                else:
                    target = targets[job]
                    begun[job] = (time.monotonic(), now_iso())
                    observation = prober.probe(target, keys.get(target.key_id, ""), precheck=False)
            except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
                with lock:
                    errors.append(exc)
                stop.set()
                done.set()
                return
            finally:
                with lock:
                    taken[1] -= 1
                    if job < 0:
                        listings[-1 - job] = listing
                    else:
                        results[job] = observation
                        finished[0] += 1
                        if progress is not None and not stop.is_set():
                            progress(finished[0], count)
                    finished[1] += 1
                    if finished[1] >= len(order):
                        done.set()

    if progress is not None:
        progress(0, count)
    threads: list[threading.Thread] = []

    def add_workers(count: int) -> int:
        """Start up to ``count`` workers; how many started. (No reference to the pool here: a cycle through these
        closures would keep every observation of the run alive until the cyclic collector ran.)"""
        for started in range(count):
            thread = threading.Thread(target=worker, name=f"probe-{len(threads)}", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # "can't start new thread": the run goes on with the workers it has
                if not threads:
                    raise
                return started
            with lock:
                threads.append(thread)
        return count

    def load() -> tuple[int, int, int]:
        with lock:
            return len(threads), taken[1], len(order) - taken[0]

    pool = WorkerGrowth(workers, add_workers, load)
    try:
        add_workers(min(workers, FIRST_WORKERS))
        completed = _wait_until(done, deadline.end + REPORT_GRACE_S, pool.tick)
    finally:
        stop.set()  # queued jobs are not started any more; in-flight ones are abandoned
    if errors:
        raise errors[0]
    abandoned = 0
    with lock:
        observations = list(results)
        starts = list(begun)
        read = list(listings)
    by_org: dict[ListingKey, ModelListing] = {}
    for target, listing in zip(listing_targets, read):
        key = (target.org, target.project, target.key_id)
        by_org[key] = listing if listing is not None else ModelListing(
            target.org, target.project, target.key_id, None,
            Exchange(failure=Failure.DEADLINE, failure_detail="the model listing did not finish before the deadline"))
    for index, observation in enumerate(observations):
        target = targets[index]
        if observation is None:
            start = starts[index]
            if start is not None:
                abandoned += 1
                observations[index] = _deadline_observation(target, "still waiting for the answer at the deadline", start[0], start[1])
            else:
                observations[index] = _not_sent(target)
        elif precheck and observation.sample is not None and observation.sample.failure is not Failure.NOT_SENT:
            observations[index] = _joined(observation, by_org.get((target.org, target.project, target.key_id)))
    if completed:
        session.close()
    else:  # the abandoned probes' sockets are shut: their threads end now; the session is dropped with them
        connections.shut_down()
    return RunResult(tuple(o for o in observations if o is not None), time.monotonic() - started, abandoned)
