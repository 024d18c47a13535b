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
from typing import Any, Sequence

import click

from gpt56probe.cli.common import EXIT_UNKNOWN, STARTED_META, error_line, warn

SINKS_META = "gpt56probe.sinks"
SINK_GRACE_S = 0.5
"""After the deadline, the time left for recording, the metrics file and the ping."""
PING_TIMEOUT_S = 10.0
PROM_DEBRIS_AGE_S = 60.0
"""A temporary .prom file older than this is debris of a killed run (a real write takes milliseconds)."""


@dataclass(frozen=True)
class Sinks:
    """The outputs a check run was asked for."""

    fmt: str = "table"
    quiet: bool = False
    prom_file: Path | None = None
    ping_url: str | None = None
    deadline_s: float = 60.0  # the run's --deadline: bounds the ping too
    vantage: str | None = None  # --vantage (default the host name): a label of every metric, named in the JSON


@dataclass(frozen=True)
class RunClock:
    """The run's time budget on the monotonic clock, and the wall-clock time it started."""

    started: float
    started_wall: float

    @classmethod
    def now(cls) -> "RunClock":
        return cls(time.monotonic(), time.time())

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self, deadline_s: float) -> float:
        return deadline_s - self.elapsed()

    def sink_budget(self, deadline_s: float) -> float:
        """Seconds a sink may still take: what is left of the deadline, at least the grace."""
        return max(self.left(deadline_s), 0.0) + SINK_GRACE_S


def run_clock(ctx: click.Context | None = None) -> RunClock:
    """The clock the CLI guard started for this command (a fresh one outside the guard)."""
    ctx = ctx or click.get_current_context(silent=True)
    started = ctx.meta.get(STARTED_META) if ctx is not None else None
    return RunClock(*started) if isinstance(started, tuple) else RunClock.now()


def sinks_from_args(args: Sequence[str]) -> Sinks:
    """The sinks named on a check command line that did not parse: --format, -q, --prom-file, --ping-url
    (and --deadline, which bounds the ping).

    Read leniently (unknown options ignored, callbacks not run), then each value is
    checked on its own; a sink whose value is unusable is left out.
    """
    from gpt56probe.cli.common import validate_ping_url

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
    try:
        ctx = lenient.make_context("check", list(args), resilient_parsing=True)
    except (click.ClickException, click.exceptions.Exit):
        return Sinks()
    values = ctx.params
    ping = values.get("ping_url")
    try:
        ping = validate_ping_url(ctx, params[3], ping) if ping else None
    except click.BadParameter:
        ping = None
    prom = values.get("prom_file")
    try:
        deadline = float(values.get("deadline") or Sinks.deadline_s)
    except ValueError:
        deadline = Sinks.deadline_s
    if not 0 < deadline < float("inf"):
        deadline = Sinks.deadline_s
    return Sinks(fmt=str(values.get("fmt") or "table"), quiet=bool(values.get("quiet")),
                 prom_file=Path(prom) if isinstance(prom, str) and prom.strip() else None, ping_url=ping, deadline_s=deadline,
                 vantage=vantage_name(values.get("vantage")))


def vantage_name(given: Any) -> str:
    """The --vantage of a run (GPT56PROBE_VANTAGE, else this host's name); a name that cannot be used falls back
    to the host's name, so even a run that fails on its input is reported under a label."""
    import os

    from gpt56probe import netenv
    from gpt56probe.vantage import VantageError, check_name

    for candidate in (given, os.environ.get("GPT56PROBE_VANTAGE")):
        if isinstance(candidate, str):
            try:
                return check_name(candidate)
            except VantageError:
                continue
    return check_name(netenv.host_name())


def ping(url: str, ok: bool, body: str, timeout_s: float = PING_TIMEOUT_S) -> None:
    """healthchecks.io convention: POST to URL on success, URL/fail otherwise; a failed ping only warns.

    Bounded in wall-clock time, whatever the ping server does (it may trickle its answer).
    The body passes the output gate like every other sink; warnings name the URL's host only
    (its userinfo is a credential, and the path of a ping URL is its check's token).
    """
    from urllib.parse import urlsplit

    import requests

    from gpt56probe.gate import GATE
    from gpt56probe.redact import public_url
    from gpt56probe.runner import call_bounded

    target = url if ok else url.rstrip("/") + "/fail"
    try:
        where = urlsplit(public_url(url)).netloc or "the ping URL"
    except ValueError:
        where = "the ping URL"
    budget = max(0.1, min(PING_TIMEOUT_S, timeout_s))
    data = GATE.scrub(body).encode("utf-8")

    def send() -> Any:
        return requests.post(target, data=data, timeout=budget, headers={"Content-Type": "text/plain; charset=utf-8"})

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


def write_metrics(path: Path, diagnoses: Sequence[Any], exit_status: int, started: float, vantage: str | None,
                  expected: Any = None) -> None:
    """Render the metrics of a run (streaks carried over from the file it replaces) and write them."""
    from gpt56probe import metrics
    from gpt56probe.models import TIERS

    try:
        with open(path, "rb") as fh:
            previous = fh.read(PREVIOUS_PROM_LIMIT + 1).decode("utf-8", "replace")
        if len(previous) > PREVIOUS_PROM_LIMIT:
            previous = ""
    except OSError:
        previous = ""
    write_prom(path, metrics.render_metrics(diagnoses, exit_status, started, vantage=vantage,
                                            expected=expected if expected is not None else TIERS, previous=previous))


def write_prom(path: Path, text: str) -> None:
    """Replace the metrics file atomically (no signal can leave it half written); a failure only warns."""
    from gpt56probe import interrupts
    from gpt56probe.files import remove_stale_temps, write_output

    try:
        with interrupts.deferred():
            remove_stale_temps(path, PROM_DEBRIS_AGE_S)
            write_output(path, text, mode=0o644)
    except OSError as exc:
        warn(f"cannot write {path}: {exc.strerror or exc}")


def unknown_output(cause: str, sinks: Sinks, checked_at: str) -> str:
    """What stdout gets when a run cannot judge: the status line, or the JSON document with --format json."""
    from gpt56probe import render
    from gpt56probe.observation import Severity

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

    from gpt56probe import render

    clock = clock or RunClock.now()
    cause = render.one_line(cause)
    checked_at = datetime.fromtimestamp(clock.started_wall).astimezone().isoformat(timespec="milliseconds")
    error_line(cause)
    click.echo(unknown_output(cause, sinks, checked_at))
    if sinks.prom_file is not None:
        write_metrics(sinks.prom_file, [], EXIT_UNKNOWN, clock.started_wall, sinks.vantage)
    if sinks.ping_url:
        ping(sinks.ping_url, False, render.unknown_line(cause), clock.sink_budget(sinks.deadline_s))
    return EXIT_UNKNOWN
