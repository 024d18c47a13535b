"""Options and sinks for incidents and fleets: ``--record FILE`` (an incident you can replay) and
``--vantage NAME`` (where the check ran from). Shared by ``check`` and ``support-packet``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from gpt56probe.cli.common import validate_output_file, warn

F = TypeVar("F", bound=Callable[..., Any])


def validate_vantage(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from gpt56probe.core.vantage import VantageError, check_name

    try:
        return check_name(value)
    except VantageError as exc:
        raise click.BadParameter(str(exc)) from None


def fleet_options(f: F) -> F:
    """``--vantage NAME`` and ``--record FILE``, for check."""
    f = click.option(
        "--vantage", metavar="NAME", envvar="GPT56PROBE_VANTAGE", callback=validate_vantage,
        help="Where this check runs from (e.g. eu-office, us-ci), in the JSON, history and every metric's labels; "
             "`gpt56probe merge` compares vantages [env GPT56PROBE_VANTAGE; default: the host name].")(f)
    return record_option(f)


def run_vantage(name: str | None, base_url: str, proxy: str | None) -> Any:
    """The vantage of this run: the name (default: the host's) and its network facts (proxy host, NO_PROXY, VPN)."""
    from gpt56probe.net.netenv import gather_vantage

    return gather_vantage(name, base_url, proxy)


def record_option(f: F) -> F:
    """``--record FILE``."""
    return click.option(
        "--record", "record_path", metavar="FILE", callback=validate_output_file,
        help="Also write what the API answered to every probe (each attempt: status, the headers that matter, the body) "
             "to FILE, secrets removed, as a scenario file: `gpt56probe simulate --scenarios FILE` replays it "
             "(TOML; JSON when FILE ends in .json).")(f)


def write_recording(path: Path, request: Any, outcome: Any, *, strict: bool = False) -> str | None:
    """Write the recording of one check through the output gate; its one-line summary, or None (a
    warning says why) when the file could not be written (``strict``: the OSError is raised instead).
    A signal waits until the file is whole."""
    from urllib.parse import urlsplit

    from gpt56probe.net import interrupts
    from gpt56probe.store import record
    from gpt56probe.store.files import write_output

    vantage = getattr(outcome, "vantage", None)
    info = record.RecordingInfo(
        recorded_at=outcome.checked_at, surface=request.surface, stream=request.stream,
        # every id probed, those --discover added included, so a replay can name them all with --model
        models=tuple(dict.fromkeys([*(spec.id for spec in request.models), *(d.target.model for d in outcome.diagnoses)])),
        vantage=getattr(vantage, "name", "") or "",
        base_url_host=urlsplit(request.base_url).hostname or "", timeout_s=request.timeout_s,
        expected=request.expected_tiers,
    )
    doc = record.recording_doc(outcome.observations, outcome.diagnoses, info)
    try:
        with interrupts.deferred():
            write_output(path, record.render(doc, record.format_for(path.name)), mode=0o600)
    except OSError as exc:
        if strict:
            raise
        warn(f"cannot write the recording {path}: {exc.strerror or exc}")
        return None
    return record.one_line_summary(doc["recording"], len(doc["scenario"]))
