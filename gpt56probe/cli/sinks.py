"""Where a monitoring run reports: stdout, --prom-file, --ping-url; and the one UNKNOWN report.

A run that cannot judge (bad input, no key, unusable config, a crash) says so in
every sink it was given, the same way: ``report_unknown``. A run's time budget
(``RunClock``) starts when the command line is read, so --deadline bounds the
whole run, key lookup and sinks included.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import click

from gpt56probe.cli.common import EXIT_UNKNOWN, STARTED_META, error_line, warn

if TYPE_CHECKING:
    from gpt56probe.core.observation import Severity

SINKS_META = "gpt56probe.sinks"
DELIVERY_META = "gpt56probe.delivery"
HARD_SLACK_S = 1.0
"""The promise: a run ends by its --deadline plus this, whatever the world does."""
EXIT_MARGIN_S = 0.15
"""Kept back from that bound for the interpreter's exit after the last sink (the clock starts when the
process did: gpt56probe/__main__.py)."""
PING_TIMEOUT_S = 10.0
PROM_DEBRIS_AGE_S = 60.0
"""A temporary .prom file older than this is debris of a killed run (a real write takes milliseconds)."""
RESERVE_BASE_S = 0.25
"""After the probes: the lock, two renames and fsyncs, the metrics file and a quick ping."""
RESERVE_PER_TARGET_S = 0.0025
"""After the probes, per probe of the first RESERVE_FULL_TARGETS: classifying it, recording it, printing
it and its metrics, and winding down a thread still reading a trickling answer (measured with 1,000
probes on a busy 2-core machine: 1.2-1.8 ms; some is kept for a busier one)."""
RESERVE_FULL_TARGETS = 1000
RESERVE_PER_MORE_TARGET_S = 0.001
"""Per probe beyond those: the part that grows with a fleet (measured with 10,000 probes on a busy, shared
2-core machine: 0.6-0.9 ms, linear since classification indexes its peers and the gate scrubs each distinct
line once). A run over more orgs than --deadline can report is cut to what fits, never refused for it
unless not even the rows fit."""
RESERVE_PER_HISTORY_MB_S = 0.08
"""After the probes, per MiB of history kept: read, parsed, checked by the gate and written again
(measured: about 0.05 s; state.HISTORY_REWRITE_BYTES bounds the MiB)."""


@dataclass(frozen=True)
class Sinks:
    """The outputs a check run was asked for."""

    fmt: str = "table"
    quiet: bool = False
    prom_file: Path | None = None
    ping_url: str | None = None
    deadline_s: float = 60.0  # the run's --deadline: bounds the ping too
    vantage: str | None = None  # --vantage (default the host name): a label of every metric, named in the JSON
    endpoint: str | None = None  # the base URL's host: a label of every metric, so endpoints never share a series


@dataclass(frozen=True)
class RunClock:
    """The run's time budget on the monotonic clock, and the wall-clock time it started.

    Every phase measures against one absolute bound, ``hard_end``: the start plus --deadline
    plus HARD_SLACK_S, less EXIT_MARGIN_S. The probes stop early enough to leave the phases
    after them their ``reserve``; the lock wait and the ping get what is left before it.
    """

    started: float
    started_wall: float

    @classmethod
    def now(cls) -> "RunClock":
        return cls(time.monotonic(), time.time())

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self, deadline_s: float) -> float:
        return deadline_s - self.elapsed()

    def hard_end(self, deadline_s: float) -> float:
        """The monotonic time by which every sink is done."""
        return self.started + deadline_s + HARD_SLACK_S - EXIT_MARGIN_S

    def until_hard_end(self, deadline_s: float) -> float:
        return max(0.0, self.hard_end(deadline_s) - time.monotonic())

    def probe_window(self, deadline_s: float, reserve_s: float) -> float:
        """Seconds the probes may take from now (their report grace included): until the deadline,
        or earlier when the phases after them need more than the slack leaves."""
        from gpt56probe.net.runner import REPORT_GRACE_S

        end = min(self.started + deadline_s, self.hard_end(deadline_s) - reserve_s - REPORT_GRACE_S)
        return end - time.monotonic()


def reserve_after_probes(targets: int, history_bytes: int) -> float:
    """What the phases after the probes need, in seconds: grows with the probes and the history."""
    first = min(targets, RESERVE_FULL_TARGETS)
    return (RESERVE_BASE_S + first * RESERVE_PER_TARGET_S + (targets - first) * RESERVE_PER_MORE_TARGET_S
            + (history_bytes / (1 << 20)) * RESERVE_PER_HISTORY_MB_S)


def run_clock(ctx: click.Context | None = None) -> RunClock:
    """The clock the CLI guard started for this command (a fresh one outside the guard)."""
    ctx = ctx or click.get_current_context(silent=True)
    started = ctx.meta.get(STARTED_META) if ctx is not None else None
    return RunClock(*started) if isinstance(started, tuple) else RunClock.now()


@dataclass
class Delivery:
    """What a check run has reported so far. Once its status is on stdout (``status``), a crash
    must not print a second, contradicting one: the guard only finishes the sinks not yet
    reached, with the run's own status (``finish``)."""

    status: Severity | None = None
    status_line: str = ""
    prom_text: str | None = None
    prom_done: bool = False
    ping_done: bool = False

    def reported(self, status: Severity, status_line: str, prom_text: str | None) -> None:
        self.status, self.status_line, self.prom_text = status, status_line, prom_text

    def finish(self, sinks: Sinks, clock: RunClock) -> int:
        """Reach the sinks not reached yet with the reported status; its exit code."""
        from gpt56probe.core.observation import Severity

        assert self.status is not None
        if sinks.prom_file is not None and not self.prom_done:
            self.prom_done = True
            if self.prom_text is not None:
                write_prom(sinks.prom_file, self.prom_text)
            else:
                write_metrics(sinks.prom_file, [], self.status.exit_code, clock.started_wall, sinks.vantage, endpoint=sinks.endpoint)
        if sinks.ping_url and not self.ping_done:
            self.ping_done = True
            ping(sinks.ping_url, self.status is Severity.OK, self.status_line, clock.until_hard_end(sinks.deadline_s))
        return self.status.exit_code


def sinks_from_args(args: Sequence[str], defaults: Mapping[str, Any] | None = None) -> Sinks:
    """The sinks named on a check command line that did not parse: --format, -q, --prom-file, --ping-url
    (and --deadline, which bounds the ping), over ``defaults`` (the config file's [defaults], by
    parameter name) as a parsed run would have them.

    Read leniently (unknown options ignored, callbacks not run), then each value is
    checked on its own; a sink whose value is unusable is left out.
    """
    from gpt56probe.cli.common import validate_ping_url, validate_sink_file

    params: list[click.Parameter] = [
        click.Option(["--format", "fmt"]),
        click.Option(["-q", "--quiet"], is_flag=True),
        click.Option(["--prom-file"]),
        click.Option(["--ping-url"]),
        click.Option(["--deadline"]),
        click.Option(["--vantage"]),
    ]
    lenient = click.Command("check", params=params, add_help_option=False,
                            context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    wanted = {p.name for p in params}
    default_map = {k: v for k, v in (defaults or {}).items() if k in wanted}
    try:
        ctx = lenient.make_context("check", list(args), resilient_parsing=True, default_map=default_map)
    except (click.ClickException, click.exceptions.Exit):
        return Sinks()
    values = ctx.params
    ping = values.get("ping_url")
    try:
        ping = validate_ping_url(ctx, params[3], str(ping)) if ping else None
    except click.BadParameter:
        ping = None
    prom = values.get("prom_file")
    try:
        prom = validate_sink_file(ctx, params[2], str(prom)) if prom else None
    except click.BadParameter:
        prom = None
    given = values.get("deadline")
    try:  # "90s" or "2m" as well as 90: the one duration parser the --deadline option reads with
        from gpt56probe.core.waiting import parse_duration

        deadline = float(given) if isinstance(given, (int, float)) and not isinstance(given, bool) else \
            parse_duration(str(given)) if given else Sinks.deadline_s
    except (TypeError, ValueError, OverflowError):
        deadline = Sinks.deadline_s
    if not 0 < deadline < float("inf"):
        deadline = Sinks.deadline_s
    from gpt56probe.core.history import endpoint_of

    base_url = values.get("base_url")
    return Sinks(fmt=str(values.get("fmt") or "table"), quiet=bool(values.get("quiet")), prom_file=prom, ping_url=ping,
                 deadline_s=deadline, vantage=vantage_name(values.get("vantage")),
                 endpoint=endpoint_of(base_url if isinstance(base_url, str) else None))


PING_ANSWER_BYTES = 4096
"""What a ping reads of its answer, at most (healthchecks.io answers "OK")."""
PING_MIN_S = 0.05
"""Less time than this left for the ping: it is not sent (a warning says so)."""


def vantage_name(given: Any) -> str:
    """The --vantage of a run (GPT56PROBE_VANTAGE, else this host's name); a name that cannot be used falls back
    to the host's name, so even a run that fails on its input is reported under a label."""
    import os

    from gpt56probe.net import netenv
    from gpt56probe.core.vantage import VantageError, check_name

    for candidate in (given, os.environ.get("GPT56PROBE_VANTAGE")):
        if isinstance(candidate, str):
            try:
                return check_name(candidate)
            except VantageError:
                continue
    return check_name(netenv.host_name())


def ping(url: str, ok: bool, body: str, timeout_s: float = PING_TIMEOUT_S) -> None:
    """healthchecks.io convention: POST to URL on success, URL/fail otherwise; a failed ping only warns.

    Bounded in wall-clock time by ``timeout_s`` (the time left before the run's hard end),
    whatever the ping server does (it may trickle its answer or never answer).
    The body passes the output gate like every other sink; warnings name the URL's host only
    (its userinfo is a credential, and the path of a ping URL is its check's token).
    """
    from urllib.parse import urlsplit

    from gpt56probe.core.gate import GATE
    from gpt56probe.core.redact import public_url
    from gpt56probe.net.runner import call_bounded

    target = url if ok else url.rstrip("/") + "/fail"
    try:
        where = urlsplit(public_url(url)).netloc or "the ping URL"
    except ValueError:
        where = "the ping URL"
    budget = min(PING_TIMEOUT_S, timeout_s)
    if budget < PING_MIN_S:
        warn(f"ping to {where} not sent: the --deadline was spent")
        return
    data = GATE.scrub(body).encode("utf-8", "backslashreplace")

    def send() -> Any:
        import requests

        # Only the status matters: the answer is never inflated (identity asked, and raw bytes read) and at most
        # PING_ANSWER_BYTES of it are read, so a ping endpoint's gzip bomb or endless body costs nothing.
        with requests.post(target, data=data, timeout=budget, stream=True,
                           headers={"Content-Type": "text/plain; charset=utf-8", "Accept-Encoding": "identity"}) as answer:
            try:
                answer.raw.read(PING_ANSWER_BYTES, decode_content=False)
            except (OSError, ValueError, requests.exceptions.RequestException):
                pass  # what the answer said after its status is not ours to judge
            return answer

    outcome = call_bounded(send, budget, name="ping")
    if not outcome.finished:
        warn(f"ping to {where} did not finish within {budget:.1f}s")
        return
    if outcome.error is not None:
        warn(f"ping to {where} failed: {type(outcome.error).__name__}")
        return
    status = getattr(outcome.value, "status_code", 0)
    if status >= 400:
        warn(f"ping to {where} answered HTTP {status}")


PREVIOUS_PROM_LIMIT = 4 << 20
"""The file a run replaces is read for its streaks and gaps up to this size; a bigger one is not ours."""


def render_run_metrics(path: Path, diagnoses: Sequence[Any], exit_status: int, started: float, vantage: str | None,
                       expected: Any = None, endpoint: str | None = None) -> str:
    """The metrics of a run, streaks and gaps carried over from the file it replaces, label values as the
    output gate will write them (so no two series collide once scrubbed)."""
    from gpt56probe.views import metrics
    from gpt56probe.store.files import read_regular
    from gpt56probe.core.gate import GATE
    from gpt56probe.core.models import TIERS

    try:  # never blocks (a FIFO), never reads a giant: a file that is not ours only loses its memory
        previous = read_regular(path, PREVIOUS_PROM_LIMIT, follow=False).decode("utf-8", "replace")
    except OSError:
        previous = ""
    return metrics.render_metrics(diagnoses, exit_status, started, vantage=vantage, expected=expected if expected is not None else TIERS,
                                  previous=previous, label_text=GATE.scrub, endpoint=endpoint)


def write_metrics(path: Path, diagnoses: Sequence[Any], exit_status: int, started: float, vantage: str | None,
                  expected: Any = None, endpoint: str | None = None) -> None:
    """Render the metrics of a run and write them."""
    write_prom(path, render_run_metrics(path, diagnoses, exit_status, started, vantage, expected, endpoint))


def write_prom(path: Path, text: str) -> None:
    """Replace the metrics file atomically; a failure only warns. The file is written and fsynced
    where a signal may still end the run (its temporary file is then removed); only the rename
    holds a signal back."""
    from gpt56probe.net import interrupts
    from gpt56probe.store.files import remove_stale_temps, stage_output

    try:
        remove_stale_temps(path, PROM_DEBRIS_AGE_S)
        staged = stage_output(path, text, mode=0o644)
        try:
            with interrupts.deferred():
                staged.commit()
        finally:
            staged.discard()
    except OSError as exc:
        warn(f"cannot write {path}: {exc.strerror or exc}")


def unknown_output(cause: str, sinks: Sinks, checked_at: str) -> str:
    """What stdout gets when a run cannot judge: the status line, or the JSON document with --format json."""
    from gpt56probe.views import render
    from gpt56probe.core.observation import Severity

    if sinks.fmt == "json":
        doc = render.check_doc([], Severity.UNKNOWN, checked_at, expected=(), extra_summary={"error": cause})
        if sinks.vantage:
            doc["vantage"] = {"name": sinks.vantage}
        return render.render_json(doc)
    return render.unknown_line(cause)


def report_unknown(cause: str, sinks: Sinks, clock: RunClock | None = None) -> int:
    """Say UNKNOWN in every sink: the cause on stderr, the status line (or JSON) on stdout, even under
    --quiet, the metrics file rewritten (exit status 3, this run's time), the ping's /fail. Never
    history, state or the --on-change hook. Returns the exit status, 3."""
    from datetime import datetime

    from gpt56probe.views import render

    clock = clock or RunClock.now()
    cause = render.one_line(cause)
    checked_at = datetime.fromtimestamp(clock.started_wall).astimezone().isoformat(timespec="milliseconds")
    error_line(cause)
    if sinks.fmt in ("json", "nagios"):  # a document or the plugin's one line: never wrapped
        click.echo(unknown_output(cause, sinks, checked_at))
    else:
        from gpt56probe.cli.terminal import say

        say(unknown_output(cause, sinks, checked_at))
    if sinks.prom_file is not None:
        write_metrics(sinks.prom_file, [], EXIT_UNKNOWN, clock.started_wall, sinks.vantage, endpoint=sinks.endpoint)
    if sinks.ping_url:
        ping(sinks.ping_url, False, render.unknown_line(cause), clock.until_hard_end(sinks.deadline_s))
    return EXIT_UNKNOWN
