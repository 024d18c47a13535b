"""``support-packet``: the filled support ticket, from a real probe, with nothing secret in it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Mapping

import click

from gpt56probe.cli.common import Choices, MonitoringCommand, MonitoringInputError, ask, connection_options, deliver, validate_output_file
from gpt56probe.cli.options import complete_orgs, credential_options, state_dir_option, validate_ids, validate_orgs
from gpt56probe.cli.terminal import say

RECORDING_LIMIT = 64 * 1024 * 1024
TEMPLATE_LIMIT = 1 << 20
INPUT_TIMEOUT_S = 10.0
"""A template or a recording named as input that is not a regular file (a FIFO, a pipe) must end within this."""
TEMPLATE_PACKAGE = "gpt56probe.templates"
MARKDOWN_TEMPLATE = "support_packet.md"
TEXT_TEMPLATE = "support_packet.txt"
PLACEHOLDERS = ("surface, model, org_or_workspace, email, error, request_id, timestamp, "
                "vpn_proxy, task, verdict, next_step, generated_by, recording")


class PacketError(MonitoringInputError):
    """The packet could not be written: one line on stderr, exit 3."""


def _interactive() -> bool:
    """Whether missing fields may be asked for (stdin is a terminal)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def shipped_template(name: str) -> str | None:
    """A template shipped in ``gpt56probe.templates`` (the repo's templates/ folder)."""
    try:
        from importlib.resources import files

        return files(TEMPLATE_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    # Running from a source tree that is not installed: templates/ sits beside the package.
    path = Path(__file__).resolve().parents[2] / "templates" / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _read_template(path: str) -> str:
    from gpt56probe.store.files import read_input

    try:
        return read_input(Path(path), TEMPLATE_LIMIT, INPUT_TIMEOUT_S).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise PacketError(f"cannot read template {path}: {reason}") from None


def _last_record(org: str | None, model: str, folder: Path) -> dict[str, Any]:
    from gpt56probe.store import state
    from gpt56probe.core.history import parse_time

    try:
        rows = state.read_history(folder)
    except (OSError, UnicodeDecodeError) as exc:
        raise PacketError(f"cannot read {folder / state.HISTORY_FILE}: {exc}") from None
    matches = [(i, r) for i, r in enumerate(rows) if r.get("org") == org and r.get("model") == model]
    if not matches:
        raise PacketError(f"no recorded result for {org or 'the default org'} and {model} in {folder / state.HISTORY_FILE}; "
                          "run without --last to probe now")

    def order(item: tuple[int, dict[str, Any]]) -> tuple[float, int]:
        index, row = item
        try:
            moment = parse_time(row.get("timestamp") or row.get("checked_at"))
        except Exception:  # noqa: BLE001 - an odd timestamp only loses its place in time
            moment = None
        return (moment.timestamp() if moment else float("-inf"), index)

    return max(matches, key=order)[1]


def _probe(org: str | None, project: str | None, model: str, base_url: str | None, proxy: str | None,
           timeout: float, deadline: float, concurrency: int | None, verbose: bool, api_key_env: str | None = None,
           no_keyring: bool = False, record_path: Path | None = None, table: Any = None) -> dict[str, Any]:
    """One probe of org x model on the chat surface, as a record shaped like a history row; with
    ``record_path``, its recording is written there and the record says so (``recording``)."""
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.store.credentials import NoKeyError, resolve_key
    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.net.probe import DEFAULT_BASE_URL

    try:
        resolved = resolve_key(org, api_key_env=api_key_env, no_keyring=no_keyring)
    except NoKeyError as exc:
        raise PacketError(f"{exc} (or use --last for the most recent recorded result)") from None
    tracer = (lambda line: say(f"trace: {line}", err=True)) if verbose else None
    table = table if table is not None else DEFAULT_TABLE  # the config's ids, as check probes them
    from gpt56probe.cli.fleet import run_vantage

    request = CheckRequest(
        orgs=[OrgCredential(org, resolved.key, project, resolved.source)], models=(table.spec_for(model),), table=table,
        surface="chat", stream=False, base_url=base_url or DEFAULT_BASE_URL, proxy=proxy, timeout_s=timeout,
        deadline_s=deadline, concurrency=concurrency, tracer=tracer, vantage=run_vantage(None, base_url or DEFAULT_BASE_URL, proxy),
    )
    outcome = perform_check(request)
    recording = None
    if record_path is not None:
        from gpt56probe.cli.fleet import write_recording

        try:
            recording = write_recording(record_path, request, outcome, strict=True)
        except OSError as exc:
            raise PacketError(f"cannot write the recording {record_path}: {exc.strerror or exc}") from None
    chosen = next((d for d in outcome.diagnoses if d.target.model == model), None)
    if chosen is None:
        raise PacketError(f"the probe of {model} returned no result")
    return {
        "org": org,
        "org_name": chosen.org_name,
        "model": chosen.target.model,
        "verdict": chosen.verdict.value,
        "reason": chosen.reason,
        "http_status": chosen.http_status,
        "error_code": chosen.error_code,
        "error_message": chosen.error_message,
        "request_id": chosen.request_id,
        "remediation": chosen.remediation,
        "timestamp": chosen.timestamp or outcome.checked_at,
        "recording": recording,
        "gateway": chosen.gateway,
    }


def _error_line(record: Mapping[str, Any]) -> str:
    message = record.get("error_message")
    status = record.get("http_status")
    if message:
        code = record.get("error_code")
        prefix = f"HTTP {status}" if status else ""
        if code:
            prefix = f"{prefix} {code}".strip()
        return f"{prefix}: {message}" if prefix else str(message)
    if record.get("verdict") == "ok":
        return f"none (HTTP {status}, the model answered)" if status else "none (the model answered)"
    base = f"no error message (HTTP {status})" if status else "no error message"
    reason = record.get("reason")
    return f"{base}; {reason}" if reason else base


def _merge(user: str | None, probed: str | None, what: str) -> str | None:
    """The user's value, with what the probe saw now beside it when they differ."""
    if user and probed and user.strip() != str(probed).strip():
        return f"{user.strip()} (probe now, {what}: {probed})"
    return user or probed


@click.command("support-packet", cls=MonitoringCommand)
@click.option("--org", metavar="ORG", shell_complete=complete_orgs, callback=validate_orgs, help="API organization id to probe (sent as OpenAI-Organization). [default: the key's default org]")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", callback=validate_ids, help="Project id, sent as OpenAI-Project [env OPENAI_PROJECT_ID].")
@click.option("--model", metavar="ID", help="The model id that fails, e.g. gpt-5.6-sol (required for --product api).")
@click.option("--email", metavar="E", help="The approved account email (kept readable; every other address is removed).")
@click.option("--task", metavar="TEXT", help="A brief description of the task (redacted before it is written).")
@click.option("--product", type=Choices(["api", "codex"]), default="api", show_default=True,
              help="API (probed now) or Codex (not probeable: give --workspace, --error, --request-id).")
@click.option("--workspace", metavar="ID", help="Codex workspace id (--product codex).")
@click.option("--error", "error_text", metavar="TEXT", help="The exact error message you saw (redacted before it is written).")
@click.option("--request-id", metavar="ID", help="The request id you saw (x-request-id).")
@click.option("--last", is_flag=True, help="Use the most recent recorded result for this org and model instead of probing now.")
@click.option("--no-input", is_flag=True, help="Never ask; missing email or task stay \"not given\".")
@click.option("--format", "fmt", type=Choices(["text", "markdown", "json"]), default="text", show_default=True, help="Packet format.")
@click.option("-o", "--output", metavar="FILE", callback=validate_output_file, help="Write the packet to FILE instead of stdout.")
@click.option("--record", "record_path", metavar="FILE", callback=validate_output_file,
              help="Attach a recording: the probe's answers written to FILE (as check --record), or, with --last or "
                   "--product codex, a recording made before; the packet names it with a one-line summary.")
@click.option("--template", "template_path", metavar="FILE",
              help=f"A string.Template file for text or markdown; placeholders: {PLACEHOLDERS} (write $$ for a literal $).")
@credential_options
@connection_options
@state_dir_option
def support_packet(org: str | None, project: str | None, model: str | None, email: str | None, task: str | None,
                   product: str, workspace: str | None, error_text: str | None, request_id: str | None, last: bool,
                   no_input: bool, fmt: str, output: str | None, template_path: str | None, record_path: Path | None,
                   api_key_env: str | None, no_keyring: bool, base_url: str | None, proxy: str | None, timeout: float,
                   deadline: float, concurrency: int | None, verbose: bool, state_dir: Path) -> None:
    """Write the support packet for a failing GPT-5.6 call, with every secret removed.

    For --product api it probes ORG x MODEL now (one chat completion, as
    check does) and fills the packet from that probe: surface, model, org,
    approved email, the exact error, the request id (x-request-id), the
    timestamp with UTC offset and zone name, the VPN/proxy status, the
    redacted task, the verdict and its next step. --last uses the most
    recent result recorded by `check` instead of probing.

    Codex cannot be probed through the API: --product codex takes the
    workspace id, error and request id from the flags.

    API keys, bearer tokens, passwords in URLs, cookies, email addresses
    other than --email and long hex/base64 secrets are removed from every
    field; request, org and project ids stay readable.

    \b
    Placeholders for --template (string.Template, $name or ${name}):
      $surface $model $org_or_workspace $email $error $request_id
      $timestamp $vpn_proxy $task $verdict $next_step $generated_by
      $recording

    \b
    Examples:
      gpt56probe support-packet --org org-abc --model gpt-5.6-sol --email me@corp.com
      gpt56probe support-packet --org org-abc --model gpt-5.6-sol --last --format markdown -o ticket.md
      gpt56probe support-packet --product codex --workspace ws-123 --error "..." --request-id req_...

    Exit status: 0 when a packet was written, whatever the probe found;
    3 when it could not be (no key, --last with no record, bad template).
    """
    from gpt56probe import __version__
    from gpt56probe.net import netenv
    from gpt56probe.views import packet as pk
    from gpt56probe.core.gate import GATE

    from gpt56probe.cli.auth import get_config
    from gpt56probe.cli.options import org_project
    from gpt56probe.core.names import UnknownName, check_model_ids

    cfg = get_config(monitoring=True)
    if product == "api" and not model:
        raise PacketError("--model is required for --product api (e.g. --model gpt-5.6-sol)")
    if product == "api" and model:
        try:  # what check refuses (a near miss of a known id, a tier name) a packet refuses too
            model = check_model_ids((model,), cfg.table)[0]
        except UnknownName as exc:
            raise PacketError(f"--model: {exc}") from None
    entry = cfg.orgs.get(org) if org is not None else None
    configured_email = entry.email if entry is not None and entry.email else None
    email_given = bool(email)
    email = email or configured_email  # what `config show --org X` reports for the org
    project = org_project(cfg, org, project) if product == "api" else project

    template_text: str | None = None
    if template_path:
        if fmt == "json":
            say("note: --template is ignored with --format json", err=True)
        else:
            template_text = _read_template(template_path)
    elif fmt == "markdown":
        template_text = shipped_template(MARKDOWN_TEMPLATE)
        if template_text is None:
            raise PacketError(f"the shipped template {MARKDOWN_TEMPLATE} is missing from {TEMPLATE_PACKAGE}")

    if not no_input and _interactive():
        if not email_given:  # the org's e-mail from the config is offered as the default
            email = ask("Approved account email", "give --email EMAIL, or --no-input to leave it \"not given\"",
                        default=email or "", show_default=bool(email)).strip() or None
        if not task:
            task = ask("Brief task description (it will be redacted)", "give --task TEXT, or --no-input to leave it \"not given\"",
                       default="", show_default=False).strip() or None

    verdict: str | None = None
    if product == "codex":
        record: dict[str, Any] = {}
        surface = "Codex"
        where = workspace
        error = error_text
        rid = request_id
        stamp = pk.format_timestamp(_now_iso())
        verdict_text = "not probed (Codex cannot be probed through the API)"
        next_step = ("Send this packet to support; Codex approval is separate from API approval, "
                     "so confirm the workspace id is the approved one.")
        source = "values given on the command line"
    else:
        from gpt56probe.core.history import endpoint_of
        from gpt56probe.net.probe import DEFAULT_BASE_URL

        endpoint = endpoint_of(base_url or DEFAULT_BASE_URL)
        if last:
            from gpt56probe.cli.auth import learn_stored_keys
            from gpt56probe.store.state import endpoint_dir

            learn_stored_keys(cfg)
            record = _last_record(org, model or "", endpoint_dir(state_dir, endpoint))
            source = (f"the result recorded at {record.get('timestamp') or record.get('checked_at') or 'an unknown time'} "
                      f"against {endpoint}")
        else:
            record = _probe(org, project, model or "", base_url, proxy, timeout, deadline, concurrency, verbose, api_key_env,
                            no_keyring, record_path, cfg.table)
            source = f"a probe made now against {endpoint}"
        surface = "API (chat completions)"
        name = record.get("org_name") or record.get("served_org")  # the org's name, never its id
        where = org or (f"the key's default org (named {name})" if name else "the key's default org")
        verdict = record.get("verdict") or None
        error = _merge(error_text, _error_line(record), "error")
        rid = _merge(request_id, record.get("request_id"), "request id") or None
        stamp = pk.format_timestamp(str(record.get("timestamp") or record.get("checked_at") or ""))
        reason = record.get("reason")
        verdict_text = f"{verdict} ({reason})" if verdict and reason else (verdict or "unknown")
        next_step = record.get("remediation") or "Send this packet to support."

    attachment = _attachment(record_path, record.get("recording"))
    env = netenv.gather(base_url or "https://api.openai.com/v1", verdict=verdict, explicit_proxy=proxy)
    fields = pk.PacketFields(
        surface=surface,
        model=pk.given(model),
        org_or_workspace=pk.given(where),
        email=pk.given(email),
        error=pk.given(error),
        request_id=pk.given(rid),
        timestamp=stamp,
        vpn_proxy=netenv.describe(env) + (f"; answered by {record['gateway']}, not api.openai.com itself"
                                          if isinstance(record.get("gateway"), str) and record.get("gateway") else ""),
        task=pk.given(task),
        verdict=pk.given(verdict_text),
        next_step=pk.given(next_step),
        generated_by=f"gpt56probe {__version__} support-packet, from {source}",
        recording=pk.given(attachment),
    )
    keep = pk.approved_email(email)
    GATE.keep_email(keep)
    clean = pk.redact_fields(fields, keep_email=keep)
    try:
        if fmt == "json":
            text = pk.render_json(clean)
        elif fmt == "markdown":
            text = pk.render_markdown(clean, template_text or "")
        else:
            from gpt56probe.cli.terminal import screen_width

            text = pk.render_text(clean, template_text, screen_width() if output is None or str(output) == "-" else None)
    except pk.TemplateError as exc:
        raise PacketError(f"template {template_path or MARKDOWN_TEMPLATE}: {exc}") from None
    if fmt != "json":
        # The template itself may carry text; one more pass costs nothing (redact is idempotent).
        from gpt56probe.core.redact import redact

        text = redact(text, keep_emails=[keep] if keep else [])

    # 0600: a packet carries account details until it is sent
    deliver(text, output or None, mode=0o600, wrote=f"support packet written to {output}", error=PacketError)


def _attachment(path: Path | None, written: str | None) -> str | None:
    """The packet's line for an attached recording: its path and a one-line summary. A recording written by
    this probe is summarised from what was written; one made before is loaded (and checked) first."""
    if path is None:
        return None
    from gpt56probe.core.gate import GATE

    GATE.add_public(str(path))
    summary = written
    if summary is None:
        from gpt56probe.store import record

        try:
            from gpt56probe.store.files import FileTooLarge, read_input

            try:
                data = read_input(path, RECORDING_LIMIT, INPUT_TIMEOUT_S)
            except FileTooLarge:
                raise PacketError(f"--record: {path}: larger than {RECORDING_LIMIT >> 20} MiB; is it a recording?") from None
            summary = record.summary_of(data.decode("utf-8", errors="replace"), record.format_for(path.name))
        except OSError as exc:
            raise PacketError(f"--record: cannot read {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise PacketError(f"--record: {path}: {exc}") from None
    return f"{path} ({summary}; replay: gpt56probe simulate --scenarios {path.name})"


def _now_iso() -> str:
    from gpt56probe.net.probe import now_iso

    return now_iso()
