"""The terminal summary: which orgs reach which model, at a glance, in the terminal's width.

Pure: diagnoses (and the observations, for the transport cause) in, text out;
the width is a parameter (the CLI reads the terminal), colour a flag. Sections:

1. the matrix: one row per org (with its config label), one column per model
   (per surface and stream when the check probed several), each cell the
   verdict's short word from gpt56probe.views.vocabulary, coloured by its class when
   asked (the word is always there);
2. the problems, grouped: one entry per distinct problem (verdict and next
   step), naming the cells it covers with a request id for each;
3. or, when every probe failed on the transport the same way, that one cause
   (base URL, host, DNS/refused/TLS/proxy/timeout, the next step) instead of
   a matrix of identical cells;
4. the notes, the base URL, the cost line and the status line.

No line is wider than ``width`` display columns (at least ``MIN_WIDTH``):
text from users and servers is cleaned of control characters first, then
measured with textwidth.display_width, never len().
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from gpt56probe.core import style
from gpt56probe.core.gateways import proxy_auth_step, proxy_refused_connect
from gpt56probe.core.models import TIERS
from gpt56probe.core.observation import Diagnosis, Failure, Observation, Severity, Verdict, severity_of
from gpt56probe.core.redact import redact
from gpt56probe.views.textwidth import display_width, fit, pad, wrap_text, wrap_units
from gpt56probe.views.vocabulary import NOT_PROBED, cell_word, colour_class, counted, next_step_words

MIN_WIDTH = 60
"""Narrower terminals are drawn as if they had this many columns."""
CELL_GAP = 2
ORG_MIN = 16
"""The org column is cut (in the middle, keeping both ends of the id) to no fewer than this many columns;
narrower than that, the matrix is split into panels instead."""
MAX_ORGS_PER_PROBLEM = 8
"""A problem shared by more orgs lists this many and counts the rest (--format table/json list every cell)."""
DEFAULT_ORG = "(default org)"

CLASS_COLOURS: Mapping[str, str] = {"ok": "green", "warn": "yellow", "crit": "red", "unknown": "magenta", "dim": "dim", "bold": "bold"}
"""The terminal colour (gpt56probe.core.style) of each vocabulary colour class, and two text styles."""

SEVERITY_CLASS: Mapping[Severity, str] = {Severity.OK: "ok", Severity.WARNING: "warn", Severity.CRITICAL: "crit", Severity.UNKNOWN: "unknown"}
_SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.UNKNOWN: 1, Severity.WARNING: 2, Severity.OK: 3}

_SPACES = re.compile(r"\s+")


def clean(text: object) -> str:
    """One line of text fit to measure: secrets masked, control characters visible, no style marks
    (only this module paints), whitespace single spaces."""
    return _SPACES.sub(" ", style.plain(redact(str(text)))).strip()


def paint(text: str, cls: str, colour: bool) -> str:
    """``text`` marked with the colour of ``cls`` when ``colour`` (the gate turns marks into SGR codes on a
    colour terminal); the text itself is never changed, and marks take no column."""
    if not colour or not text or cls not in CLASS_COLOURS:
        return text
    return style.paint(text, CLASS_COLOURS[cls])


# --------------------------------------------------------------------------- columns and rows


@dataclass(frozen=True)
class Column:
    """One matrix column: a model, on one surface, streamed or not."""

    model: str
    tier: str
    surface: str = "chat"
    stream: bool = False

    @property
    def header(self) -> str:
        """The tier's name for a 5.6 tier, else the model id."""
        return self.tier if self.tier in TIERS else clean(self.model)

    @property
    def variant(self) -> str:
        """chat, resp, chat+st, resp+st."""
        return ("chat" if self.surface == "chat" else "resp" if self.surface == "responses" else clean(self.surface)) + \
            ("+st" if self.stream else "")

    @property
    def plain(self) -> bool:
        return self.surface == "chat" and not self.stream


def _column_of(d: Diagnosis) -> Column:
    return Column(d.target.model, d.target.tier, d.target.surface, d.target.stream)


def columns_of(diagnoses: Sequence[Diagnosis]) -> list[Column]:
    """Columns in the plan's order, each model's variants side by side."""
    seen: dict[Column, None] = {}
    for d in diagnoses:
        seen.setdefault(_column_of(d), None)
    models: dict[str, list[Column]] = {}
    for column in seen:
        models.setdefault(column.model, []).append(column)
    return [c for group in models.values() for c in group]


def org_label(org: str | None, labels: Mapping[str, str]) -> str:
    """``org-abc (prod)``: the org id and its config label; ``(default org)`` for the key's default."""
    if org is None:
        return DEFAULT_ORG
    label = clean(labels.get(org, "") or "")
    name = clean(org)
    return f"{name} ({label})" if label and label != name else name


def cell_name(column: Column, columns: Sequence[Column]) -> str:
    """How a problem names a column: ``sol``, or ``sol resp`` when the model has several variants."""
    several = sum(1 for c in columns if c.model == column.model) > 1 or not column.plain
    return f"{column.header} {column.variant}" if several else column.header


# --------------------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class _Layout:
    org_width: int
    org_gap: int
    widths: tuple[int, ...]
    panels: tuple[tuple[int, ...], ...]  # column indexes per panel
    headers: tuple[str, ...]


def _short(header: str) -> str:
    """A fallback's header without its ``gpt-`` prefix (``5.4-mini``), for when every column must fit."""
    return header[4:] if header.startswith("gpt-") and len(header) > 4 else header


def _column_widths(columns: Sequence[Column], headers: Sequence[str], cells: Mapping[tuple[str | None, Column], Diagnosis],
                   cap: int, with_variants: bool) -> list[int]:
    widths = []
    for column in columns:
        words = [cell_word(d.verdict) for (org, c), d in cells.items() if c == column] or [NOT_PROBED]
        needed = max(display_width(w) for w in words)
        if with_variants:
            needed = max(needed, display_width(column.variant))
        widths.append(needed)
    # a model's header spans its variants: widen the last one when the header is wider
    start = 0
    while start < len(columns):
        end = start
        while end + 1 < len(columns) and columns[end + 1].model == columns[start].model:
            end += 1
        span = sum(widths[start:end + 1]) + CELL_GAP * (end - start)
        header = min(display_width(headers[start]), cap)
        if header > span:
            widths[end] += header - span
        start = end + 1
    return [min(w, cap) for w in widths]


def _layout(row_labels: Sequence[str], columns: Sequence[Column], cells: Mapping[tuple[str | None, Column], Diagnosis],
            width: int, with_variants: bool) -> _Layout:
    """The widest layout that fits: full headers, then a one-space org gap, then short headers, then the
    org column cut (never below ORG_MIN), and only then the columns split into panels."""
    org_need = max([display_width("org")] + [display_width(label) for label in row_labels])
    full = [c.header for c in columns]
    short = [_short(h) for h in full]
    one_panel = (tuple(range(len(columns))),)
    cap = width - ORG_MIN - 1
    for headers, org_gap in ((full, CELL_GAP), (full, 1), (short, 1)):
        widths = _column_widths(columns, headers, cells, cap, with_variants)
        everything = sum(widths) + CELL_GAP * (len(widths) - 1)
        if org_need + org_gap + everything <= width:
            return _Layout(org_need, org_gap, tuple(widths), one_panel, tuple(headers))
    if ORG_MIN + 1 + everything <= width:
        return _Layout(width - 1 - everything, 1, tuple(widths), one_panel, tuple(short))
    # Panels, each repeating the org column; a model's variants stay in one panel when they fit in one.
    groups: list[list[int]] = []
    for index, column in enumerate(columns):
        if groups and columns[groups[-1][0]].model == column.model:
            groups[-1].append(index)
        else:
            groups.append([index])
    widths = _column_widths(columns, full, cells, cap, with_variants)

    def span(indexes: Sequence[int]) -> int:
        return sum(widths[i] for i in indexes) + CELL_GAP * (len(indexes) - 1)

    widest_group = max(span(g) for g in groups)
    panel_org = min(org_need, max(ORG_MIN, min(width // 2, width - 1 - widest_group)))
    room = width - panel_org - 1
    widths = [min(w, room) for w in widths]
    panels: list[list[int]] = [[]]
    for group in groups:
        if panels[-1] and span(panels[-1] + group) > room and span(group) <= room:
            panels.append([])
        for index in group:
            if panels[-1] and span(panels[-1] + [index]) > room:
                panels.append([])
            panels[-1].append(index)
    return _Layout(panel_org, 1, tuple(widths), tuple(tuple(p) for p in panels), tuple(full))


def render_matrix(diagnoses: Sequence[Diagnosis], labels: Mapping[str, str], width: int, colour: bool = False,
                  split_label: Callable[[str], tuple[str, str]] | None = None) -> list[str]:
    """The org x model matrix as lines, split into panels when the terminal is too narrow for every column.
    ``split_label``: when a row label would be cut, every label becomes (group, row): the group on a line of its
    own above its first row (the full width), the row in the org column (merge: ``org-acme`` / ``  @ eu-office``)."""
    width = max(MIN_WIDTH, width)
    columns = columns_of(diagnoses)
    if not columns:
        return ["nothing was probed"]
    orgs: dict[str | None, None] = {}
    cells: dict[tuple[str | None, Column], Diagnosis] = {}
    for d in diagnoses:
        orgs.setdefault(d.target.org, None)
        cells.setdefault((d.target.org, _column_of(d)), d)
    row_labels = [org_label(org, labels) for org in orgs]
    with_variants = any(not c.plain for c in columns)
    layout = _layout(row_labels, columns, cells, width, with_variants)
    groups: list[str | None] = [None] * len(row_labels)
    if split_label and layout.org_width < max(display_width(label) for label in row_labels):
        groups, row_labels = map(list, zip(*(split_label(label) for label in row_labels)))
        layout = _layout(row_labels, columns, cells, width, with_variants)
    lines: list[str] = []
    for number, panel in enumerate(layout.panels):
        if number:
            lines.append("")
        heads: list[tuple[str, int, str]] = []
        position = 0
        while position < len(panel):  # a model's header spans its variants' columns
            end = position
            while end + 1 < len(panel) and columns[panel[end + 1]].model == columns[panel[position]].model:
                end += 1
            span = sum(layout.widths[i] for i in panel[position:end + 1]) + CELL_GAP * (end - position)
            heads.append((fit(layout.headers[panel[position]], span), span, "bold"))
            position = end + 1
        lines.append(_line(fit("org", layout.org_width), layout, heads, colour))
        if with_variants:
            subs = [(fit(columns[i].variant, layout.widths[i]), layout.widths[i], "dim") for i in panel]
            lines.append(_line("", layout, subs, colour))
        for place, (org, label) in enumerate(zip(orgs, row_labels)):
            if groups[place] is not None and (place == 0 or groups[place] != groups[place - 1]):
                lines.append(fit(str(groups[place]), width))
            row = []
            for index in panel:
                found = cells.get((org, columns[index]))
                word, cls = (cell_word(found.verdict), colour_class(found.verdict)) if found else (NOT_PROBED, "dim")
                row.append((word, layout.widths[index], cls))
            lines.append(_line(fit(label, layout.org_width), layout, row, colour))
    return lines


def _line(first: str, layout: _Layout, segments: Sequence[tuple[str, int, str]], colour: bool) -> str:
    """One matrix line: the org cell, then each (text, width, colour class) segment, padded by display width."""
    parts = [paint(text, cls, colour) + " " * (w - display_width(text)) for text, w, cls in segments]
    return (pad(first, layout.org_width) + " " * layout.org_gap + (" " * CELL_GAP).join(parts)).rstrip()


# --------------------------------------------------------------------------- problems, grouped


@dataclass(frozen=True)
class Problem:
    """One distinct problem: a verdict and a next step, and every cell it covers."""

    verdict: Verdict
    next_step: str
    cells: tuple[Diagnosis, ...]

    @property
    def severity(self) -> Severity:
        return severity_of(self.verdict)


_ORG_MARK, _MODEL_MARK = "\ue010", "\ue011"


def _bounded(value: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.-])" + re.escape(value) + r"(?![\w-]|\.\w)")


def _template(d: Diagnosis) -> str:
    """The next step with the cell's own org and model taken out, so the same advice for many cells reads once."""
    text = clean(d.remediation)
    if d.target.org:
        text = _bounded(clean(d.target.org)).sub(_ORG_MARK, text)
    text = _bounded(clean(d.target.model)).sub(_MODEL_MARK, text)
    return text


def group_problems(diagnoses: Sequence[Diagnosis]) -> list[Problem]:
    """Every cell that is not ok, grouped by (verdict, next step), worst severity first, then in plan order."""
    groups: dict[tuple[Verdict, str], list[Diagnosis]] = {}
    for d in diagnoses:
        if d.ok:
            continue
        groups.setdefault((d.verdict, _template(d)), []).append(d)
    problems = []
    for (verdict, template), cells in groups.items():
        orgs = {c.target.org for c in cells}
        models = {c.target.model for c in cells}
        org_text = clean(next(iter(orgs))) if len(orgs) == 1 and None not in orgs else "the org"
        model_text = clean(next(iter(models))) if len(models) == 1 else "the model"
        problems.append(Problem(verdict, template.replace(_ORG_MARK, org_text).replace(_MODEL_MARK, model_text), tuple(cells)))
    order = {id(p): n for n, p in enumerate(problems)}
    return sorted(problems, key=lambda p: (_SEVERITY_ORDER[p.severity], order[id(p)]))


def render_problems(diagnoses: Sequence[Diagnosis], labels: Mapping[str, str], width: int, colour: bool = False) -> list[str]:
    """Each distinct problem: its word and verdict, the next step, then the cells by org with their request ids."""
    width = max(MIN_WIDTH, width)
    columns = columns_of(diagnoses)
    lines: list[str] = []
    for problem in group_problems(diagnoses):
        word = cell_word(problem.verdict)
        title = word if word == problem.verdict.value else f"{word} ({problem.verdict.value})"
        head = wrap_text(f"{title}: {problem.next_step}", width, "", "  ")
        head[0] = head[0].replace(word, paint(word, colour_class(problem.verdict), colour), 1)
        lines += head
        by_org: dict[str | None, list[Diagnosis]] = {}
        for cell in problem.cells:
            by_org.setdefault(cell.target.org, []).append(cell)
        shown = list(by_org.items())[:MAX_ORGS_PER_PROBLEM]
        for org, cells in shown:
            units = [f"{org_label(org, labels)}:"]
            for n, cell in enumerate(cells):
                name = cell_name(_column_of(cell), columns)
                rid = clean(cell.request_id) if cell.request_id else "(no request id)"
                units.append(f"{name} {rid}" + ("," if n < len(cells) - 1 else ""))
            lines += wrap_units(units, width, "    ", "      ")
        hidden = len(by_org) - len(shown)
        if hidden:
            more = sum(len(cells) for _, cells in list(by_org.items())[MAX_ORGS_PER_PROBLEM:])
            lines += wrap_text(f"... and {hidden} more org(s), {more} cell(s); --format table or json lists every request id",
                               width, "    ", "      ")
    return lines


BRIEF_ORGS = 3
"""A problem line names this many orgs and counts the rest (--details names them all)."""
DETAILS_HINT = "--details: each request id and the full next steps"
DETAILS_HINT_OK = "--details: the base URL and what the probes cost"


def _first_sentence(text: str) -> str:
    """The first sentence of a next step: up to the first full stop that ends a sentence."""
    found = re.search(r"\.(\s|$)", text)
    return text[:found.start() + 1] if found else text


def _cells_units(cells: Sequence[Diagnosis], columns: Sequence[Column], labels: Mapping[str, str]) -> list[str]:
    """``org-a (sol, terra),`` ``org-b,`` ...: the orgs a problem covers, each with the columns it covers
    unless it covers every column of the matrix; past BRIEF_ORGS orgs, a count."""
    by_org: dict[str | None, list[Diagnosis]] = {}
    for cell in cells:
        by_org.setdefault(cell.target.org, []).append(cell)
    units: list[str] = []
    shown = list(by_org.items())[:BRIEF_ORGS]
    for n, (org, org_cells) in enumerate(shown):
        names = list(dict.fromkeys(cell_name(_column_of(c), columns) for c in org_cells))
        text = org_label(org, labels)
        if len(org_cells) < len(columns):
            text += f" ({', '.join(names)})"
        units += text.split(" ")
        if n < len(shown) - 1:
            units[-1] += ","
    hidden = len(by_org) - len(shown)
    if hidden:
        units += ["and", *counted(hidden, "more org").split(" ", 1)]
    units[-1] += ":"
    return units


def render_brief_problems(diagnoses: Sequence[Diagnosis], labels: Mapping[str, str], width: int, colour: bool = False) -> list[str]:
    """One line per distinct problem: its word, the cells it covers and the next step in a sentence.

    Problems are told apart by verdict. The next step is the cells' own (the first sentence of
    Diagnosis.remediation) when they share one and the line holds it; else the verdict's next step in
    a few words (vocabulary.NEXT_STEPS): the line never depends on how long a next step is worded.
    A line wider than the terminal (many long org ids) wraps under its cells, never past the edge.
    """
    width = max(MIN_WIDTH, width)
    columns = columns_of(diagnoses)
    groups: dict[Verdict, list[Diagnosis]] = {}
    for d in diagnoses:
        if not d.ok:
            groups.setdefault(d.verdict, []).append(d)
    order = {verdict: n for n, verdict in enumerate(groups)}
    verdicts = sorted(groups, key=lambda v: (_SEVERITY_ORDER[severity_of(v)], order[v]))
    word_width = max((display_width(cell_word(v)) for v in verdicts), default=0)
    lines: list[str] = []
    for verdict in verdicts:
        cells = groups[verdict]
        word = cell_word(verdict)
        first = pad(word, word_width) + "  "
        units = _cells_units(cells, columns, labels)
        own = {_template(c) for c in cells}
        step = next_step_words(verdict)
        if len(own) == 1:
            sentence = _first_sentence(next(iter(own)))
            if _ORG_MARK not in sentence and _MODEL_MARK not in sentence:
                candidate = wrap_units([*units, *sentence.split()], width, first, " " * len(first))
                if len(candidate) == 1:
                    step = sentence
        line = wrap_units([*units, *step.split()], width, first, " " * len(first))
        line[0] = line[0].replace(word, paint(word, colour_class(verdict), colour), 1)
        lines += line
    return lines


# --------------------------------------------------------------------------- one cause when the network is down


TRANSPORT_KINDS: Mapping[Failure, str] = {
    Failure.DNS: "dns",
    Failure.REFUSED: "refused",
    Failure.TLS: "tls",
    Failure.PROXY: "proxy",
    Failure.CONNECT_TIMEOUT: "timeout",
    Failure.READ_TIMEOUT: "timeout",
    Failure.DEADLINE: "timeout",
    Failure.RESET: "reset",
    Failure.OTHER: "other",
}
"""Transport failures as the causes a user acts on; an invalid URL or an oversize body is not the network."""

CAUSES: Mapping[str, tuple[str, str]] = {
    "dns": ("DNS: the host name does not resolve",
            "Check the host in --base-url / OPENAI_BASE_URL and this machine's DNS (resolver, VPN split DNS); "
            "a network that reaches the internet only through a proxy needs HTTPS_PROXY or --proxy."),
    "refused": ("refused: nothing accepts connections at that host and port",
                "Check the port in the base URL and that the relay or proxy there is running; a firewall may reject the port."),
    "tls": ("TLS: the handshake or the certificate check failed",
            "A TLS-inspecting proxy needs its CA in REQUESTS_CA_BUNDLE; check the system clock and that the host name matches its certificate."),
    "proxy-auth": ("proxy: the proxy wants credentials (407 Proxy Authentication Required)", proxy_auth_step()),
    "proxy": ("proxy: the proxy refused or failed the connection",
              "Check the proxy address and credentials (--proxy, HTTPS_PROXY, ALL_PROXY), or exempt the host with NO_PROXY."),
    "timeout": ("timeout: no answer within the time allowed",
                "Check the route to the host (firewall dropping packets, a dead proxy or VPN), or raise --timeout / --deadline."),
    "reset": ("reset: the connection was cut before an answer",
              "Something between here and the API (firewall, proxy, VPN) closes the connection: try without it, or from another network."),
    "other": ("the connection failed",
              "Check the base URL, DNS, proxy settings and firewall; run with -v to see each request."),
}
"""Per cause: what it is, and the next step."""


@dataclass(frozen=True)
class TransportCause:
    """Every probe failed on the transport for this one reason."""

    kind: str
    detail: str
    probes: int
    orgs: int
    models: int


DETAIL_CAP = 200
_CAUSED_BY = re.compile(r"\(Caused by (.+)\)\s*$", re.DOTALL)


def failure_detail(text: str) -> str:
    """The telling part of a transport error: what urllib3 says it was ``Caused by``, capped (middle cut)."""
    text = clean(text)
    found = _CAUSED_BY.search(text)
    return fit(found.group(1) if found else text, DETAIL_CAP)


def transport_cause(observations: Sequence[Observation]) -> TransportCause | None:
    """The one cause when every probe failed before any HTTP answer, the same way; None otherwise."""
    if not observations:
        return None
    kinds: set[str] = set()
    detail = ""
    for observation in observations:
        final = observation.final
        failure = final.failure if final is not None and final.status is None else None
        if failure is None or failure not in TRANSPORT_KINDS:
            return None
        kind = TRANSPORT_KINDS[failure]
        if kind == "proxy" and final is not None and proxy_refused_connect(str(final.failure_detail or "")):
            kind = "proxy-auth"
        kinds.add(kind)
        if len(kinds) > 1:
            return None
        if not detail and final is not None and final.failure_detail and failure is not Failure.DEADLINE:
            detail = failure_detail(final.failure_detail)
    return TransportCause(kinds.pop(), detail, len(observations), len({o.target.org for o in observations}),
                          len({o.target.model for o in observations}))


def host_of(base_url: str) -> str:
    """``host port N`` of a base URL (the default port of its scheme when none is given)."""
    try:
        parts = urlsplit(base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return clean(base_url)
    return f"{clean(parts.hostname or '?')} port {port}"


def render_cause(cause: TransportCause, base_url: str, proxy: str, width: int, colour: bool = False) -> list[str]:
    """The one-cause block: what failed, where, why, and what to do."""
    width = max(MIN_WIDTH, width)
    what, step = CAUSES.get(cause.kind, CAUSES["other"])
    scope = f"all {cause.probes} probe(s) ({cause.orgs} org(s) x {cause.models} model(s))"
    word = cell_word(Verdict.TIMEOUT if cause.kind == "timeout" else Verdict.NETWORK_ERROR)
    lines = wrap_text(f"{word}: {scope} failed the same way, before any answer from the API", width, "", "  ")
    lines[0] = lines[0].replace(word, paint(word, "unknown" if cause.kind != "timeout" else "warn", colour), 1)
    rows = [("base URL", clean(base_url)), ("host", host_of(base_url)), ("cause", what)]
    if cause.detail:
        rows.append(("detail", cause.detail))
    rows.append(("proxy", clean(proxy) if proxy else "none"))
    rows.append(("next", step))
    for label, value in rows:
        lines += wrap_text(value, width, f"  {label:<9} ", " " * 12)
    return lines


# --------------------------------------------------------------------------- the whole summary


@dataclass(frozen=True)
class SummaryView:
    """Everything the summary shows; the CLI fills it from a check's outcome."""

    diagnoses: Sequence[Diagnosis]
    observations: Sequence[Observation] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    base_url: str = ""
    proxy: str = ""
    notes: Sequence[str] = ()
    cost_note: str = ""
    status_line: str = ""
    severity: Severity = Severity.UNKNOWN
    details: bool = False
    """Every problem with its cells' request ids and full next steps, the base URL and the cost (--details, -v);
    else one line per problem and a line saying how to get the rest."""


def gateways_seen(diagnoses: Sequence[Diagnosis]) -> str:
    """Who answered instead of OpenAI itself (a gateway, a proxy), each once with what showed it; "" for OpenAI's own."""
    seen = list(dict.fromkeys(d.gateway for d in diagnoses if d.gateway))
    if not seen:
        return ""
    return "; ".join(seen) + ", not api.openai.com itself: its limits, keys and model list are its own"


def render_summary(view: SummaryView, width: int, colour: bool = False) -> str:
    """The whole summary, every line at most ``max(width, MIN_WIDTH)`` display columns."""
    width = max(MIN_WIDTH, width)
    cause = transport_cause(view.observations)
    lines: list[str] = []
    if cause is not None:
        lines += render_cause(cause, view.base_url, view.proxy, width, colour)
    else:
        lines += render_matrix(view.diagnoses, view.labels, width, colour)
        draw = render_problems if view.details else render_brief_problems
        problems = draw(view.diagnoses, view.labels, width, colour)
        if problems:
            lines.append("")
            lines += problems
    lines.append("")
    for note in view.notes:
        lines += wrap_text(clean(note), width, "note: ", "  ")
    answered_by = gateways_seen(view.diagnoses)  # who answered is part of the answer: shown by default too
    if (view.details or cause is not None) and view.base_url and cause is None:
        lines += wrap_text(clean(view.base_url), width, "base URL: ", "  ")
    if answered_by:
        lines += wrap_text(clean(answered_by), width, "answered by: ", "  ")
    if view.details or cause is not None:
        if view.cost_note:
            lines += wrap_text(clean(view.cost_note), width, "note: ", "  ")
    elif view.diagnoses:
        lines += wrap_text(DETAILS_HINT if any(not d.ok for d in view.diagnoses) else DETAILS_HINT_OK, width, "", "  ")
    if view.status_line:
        status = wrap_text(clean(view.status_line), width, "", "  ")
        prefix = f"GPT56 {view.severity.value}"
        status[0] = status[0].replace(prefix, paint(prefix, SEVERITY_CLASS[view.severity], colour), 1)
        lines += status
    return "\n".join(lines)


def progress_line(done: int, total: int, elapsed_s: float, width: int) -> str:
    """``checking: 12/50 probes done, 3.4 s``, one column short of the real width: a line the terminal
    wrapped could not be erased with one line erase."""
    text = f"checking: {done}/{total} probes done, {elapsed_s:.1f} s"
    return fit(text, max(20, width) - 1)
