"""The HTTP shell: one probe of one target -> an Observation.

Everything here is I/O; every judgement lives in classify.py and retrypolicy.py.
"""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable, Iterator, Mapping

import requests

from gpt56probe import __version__
from gpt56probe.core.gate import GATE
from gpt56probe.core.models import ModelTable
from gpt56probe.core.observation import (PRECHECK_SKIPPED, Attempt, Exchange, Failure, ModelListing, Observation, Target,
                                    is_recorded_header)
from gpt56probe.core.gateways import detect as detect_gateway
from gpt56probe.core.redact import public_url, redact
from gpt56probe.core.retrypolicy import Decision, RequestShape, decide
from gpt56probe.core.wire import DEFAULT_MAX_BODY_BYTES, decode_body, model_ids_in_body, read_body, shutdown_dates_in_body
from gpt56probe.net.watchdog import BodyBudget

PROBE_PROMPT = "Return ok."
OUTPUT_TOKEN_CAP = 16
"""At most 16: enough for a reasoning model to say "ok" at its lowest effort,
and the Responses API's minimum for max_output_tokens."""

DEFAULT_BASE_URL = "https://api.openai.com/v1"
STORED_BODY_CHARS = 64 * 1024
USER_AGENT = f"gpt56probe/{__version__} (+python-requests)"

Tracer = Callable[[str], None]


def key_id(api_key: str) -> str:
    """A stable, irreversible id of a key, so results can say "same key" without holding it."""
    return hashlib.sha256(api_key.encode("utf-8", "replace")).hexdigest()[:12] if api_key else ""


def now_iso() -> str:
    """Local time, ISO 8601 with the UTC offset."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


class Deadline:
    """The check's overall deadline on the monotonic clock."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


class _HeadersOnlyAuth(requests.auth.AuthBase):
    """The probe's own Authorization header, and nothing else: with any auth set, requests never
    reads ~/.netrc, which would replace the bearer key with Basic auth (every probe would read as
    invalid_key) and send a credential the output gate does not know."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def make_session(pool_size: int = 16, proxy: str | None = None, trust_env: bool = True) -> requests.Session:
    """One Session for a whole check: pooled connections, no urllib3 retries (we decide),
    proxies and CA bundle from the environment as requests does, plus ``--proxy``.

    ``pool_size`` is the probes in flight; the pool keeps as many again for the model
    listings that run beside them (a connection beyond the pool would be dropped with a
    warning on stderr)."""
    session = requests.Session()
    session.trust_env = trust_env  # False only for the loopback demo: no env proxy may capture it
    adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=2 * pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.auth = _HeadersOnlyAuth()
    if proxy:
        session.proxies.update({"http": proxy, "https": proxy})
    return session


def _failure_of(exc: BaseException) -> Failure:
    """Map a requests exception to the transport failure kinds the classifier knows."""
    text = f"{type(exc).__name__}: {exc}"
    lowered = text.lower()
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Failure.CONNECT_TIMEOUT
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return Failure.READ_TIMEOUT
    if isinstance(exc, requests.exceptions.SSLError):
        return Failure.TLS
    if isinstance(exc, requests.exceptions.ProxyError):
        return Failure.PROXY
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return Failure.INVALID_URL
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Failure.RESET
    if any(s in lowered for s in ("name or service not known", "nodename nor servname", "nameresolution", "getaddrinfo", "temporary failure in name resolution", "no address associated")):
        return Failure.DNS
    if "refused" in lowered:
        return Failure.REFUSED
    if any(s in lowered for s in ("reset", "aborted", "remotedisconnected", "broken pipe", "incompleteread", "protocolerror")):
        return Failure.RESET
    if "timed out" in lowered or "timeout" in lowered:
        return Failure.READ_TIMEOUT
    return Failure.OTHER


@dataclass
class HttpSettings:
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 20.0
    connect_timeout_s: float = 5.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    tracer: Tracer | None = None


def _read_capped(response: requests.Response, cap: int) -> tuple[bytes, Failure | None]:
    """Read at most ``cap`` bytes; time is bounded by the caller's watchdog.BodyBudget."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=16384):
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(chunks)[:cap], Failure.TOO_LARGE
    return b"".join(chunks), None


STREAM_HEAD_CHARS = 8 * 1024
SCRUB_MARGIN_CHARS = 4096
"""Past each cut of a long body, this much more is scrubbed before cutting: a key that straddles the cut, however
encoded (core/encoded reads up to 12 characters per character of a key), is seen whole and masked."""


def _stored_text(raw: bytes, encoding: str | None, is_stream: bool, limit: int = STORED_BODY_CHARS) -> str:
    """The body as kept on the Exchange: at most ``limit`` characters, the run's secrets already
    removed (before the cut, so a cut cannot leave part of a key). A long stream keeps its start and,
    above all, its end, where a stream's verdict is (the terminal event, an in-band error)."""
    text = decode_body(raw, encoding) if raw else ""
    if len(text) <= limit + SCRUB_MARGIN_CHARS:
        text = GATE.scrub_known(text)
        if len(text) <= limit:
            return text
    if not is_stream or limit <= 2 * STREAM_HEAD_CHARS:
        return GATE.scrub_known(text[:limit + SCRUB_MARGIN_CHARS])[:limit]
    # Only what is kept is scrubbed, each part with a margin past its cut: a body padded to 1 MB costs its 64 KiB.
    head = GATE.scrub_known(text[:STREAM_HEAD_CHARS + SCRUB_MARGIN_CHARS])[:STREAM_HEAD_CHARS].rsplit("\n\n", 1)[0]
    tail = GATE.scrub_known(text[-(limit - STREAM_HEAD_CHARS + SCRUB_MARGIN_CHARS):])[-(limit - STREAM_HEAD_CHARS):]
    tail = tail.split("\n\n", 1)[1] if "\n\n" in tail else tail
    return f"{head}\n\n{tail}"


SHARED_MAX_CHARS = 64
SHARED_MAX = 50_000
_SHARED: dict[str, str] = {}


def _shared(text: str) -> str:
    """One copy of each short header name and value across a run's answers ("application/json" or an org's
    name, 10,000 times over): a fleet's observations then hold references instead of copies."""
    if len(text) > SHARED_MAX_CHARS:
        return text
    found = _SHARED.get(text)
    if found is None:
        if len(_SHARED) >= SHARED_MAX:
            return text
        found = _SHARED.setdefault(text, text)
    return found


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The answer's headers worth keeping (``is_recorded_header``) by lower-case name, the run's secrets removed
    from every value (one scrub of all values at once: a header value holds no newline, so none can run into the next)."""
    names: list[str] = []
    values: list[str] = []
    for name, value in headers.items():
        lowered = name.lower()
        if is_recorded_header(lowered):
            names.append(lowered)
            values.append(str(value))
    if any("\n" in value for value in values):
        cleaned = [GATE.scrub_known(value) for value in values]
    else:
        cleaned = GATE.scrub_known("\n".join(values)).split("\n") if values else []
        if len(cleaned) != len(values):  # a secret with a newline in it took one: value by value
            cleaned = [GATE.scrub_known(value) for value in values]
    return {_shared(name): _shared(value) for name, value in zip(names, cleaned)}


def _send(session: requests.Session, method: str, url: str, headers: Mapping[str, str], body: Mapping[str, Any] | None,
           timeout: tuple[float, float]) -> requests.Response:
    """``session.request(..., stream=True)``, with the environment's settings for ``url`` (proxies, CA bundle:
    ``Session.merge_environment_settings``) worked out once per session and URL instead of per request:
    the environment does not change during a run, and reading it is a third of requests' cost per call."""
    cache: dict[str, dict[str, Any]] = session.__dict__.setdefault("_gpt56probe_env", {})
    prepared = session.prepare_request(requests.Request(method, url, headers=dict(headers), json=body))
    where = prepared.url or url
    settings = cache.get(where)
    if settings is None:
        settings = cache[where] = dict(session.merge_environment_settings(where, {}, True, None, None))
    return session.send(prepared, timeout=timeout, allow_redirects=True, **settings)


def http_exchange(
    session: requests.Session,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: Mapping[str, Any] | None,
    settings: HttpSettings,
    deadline: Deadline,
    sse: bool = False,
    store_chars: int = STORED_BODY_CHARS,
) -> Exchange:
    """One request, never raising: the answer, capped, or the failure that replaced it.

    The body kept is at most ``store_chars`` (a stream keeps its start and its end)."""
    left = deadline.left()
    started = time.monotonic()
    if left <= 0:
        return Exchange(failure=Failure.DEADLINE, failure_detail="the check's deadline ran out before this request")
    read_budget = min(settings.timeout_s, left)
    timeout = (min(settings.connect_timeout_s, read_budget), read_budget)
    status: int | None = None
    resp_headers: dict[str, str] = {}
    watchdog: BodyBudget | None = None

    def cut_short() -> Exchange:
        failure = Failure.DEADLINE if deadline.left() <= 0.05 else Failure.READ_TIMEOUT
        return _trace(settings, method, url, Exchange(status, resp_headers, "", time.monotonic() - started, failure, "body not complete in time"))

    try:
        with _send(session, method, url, headers, body, timeout) as response, \
                BodyBudget(response, max(0.0, read_budget - (time.monotonic() - started))) as watchdog:
            status = response.status_code
            resp_headers = _kept_headers(response.headers)
            is_stream = sse and "text/event-stream" in resp_headers.get("content-type", "")
            raw, failure = _read_capped(response, settings.max_body_bytes)
            if watchdog.fired:
                return cut_short()
            text_body = _stored_text(raw, response.encoding, is_stream, store_chars)
            detail = f"body over {settings.max_body_bytes} bytes" if failure is Failure.TOO_LARGE else ""
            exchange = Exchange(status, resp_headers, text_body, time.monotonic() - started, failure, detail)
    except (requests.exceptions.RequestException, OSError, ValueError, AttributeError) as exc:
        if watchdog is not None and watchdog.fired:
            return cut_short()
        detail = redact(GATE.scrub_known(str(exc)))[:300]
        if not isinstance(exc, requests.exceptions.RequestException):
            exchange = Exchange(status, resp_headers, "", time.monotonic() - started, _failure_of(exc), detail)
            return _trace(settings, method, url, exchange)
        failure = _failure_of(exc)
        if failure in (Failure.READ_TIMEOUT, Failure.CONNECT_TIMEOUT) and deadline.left() <= 0.05:
            failure = Failure.DEADLINE
        exchange = Exchange(status, resp_headers, "", time.monotonic() - started, failure, detail)
    return _trace(settings, method, url, exchange)


TRACED_HEADERS = ("x-request-id", "openai-organization", "openai-project", "openai-processing-ms", "retry-after",
                  "retry-after-ms", "x-should-retry")
"""Response headers a -v trace shows: the ones that explain a verdict."""
TRACE_VALUE_CAP = 64


def trace_headers(headers: Mapping[str, str]) -> str:
    """``name=value`` for each traced header present; every value redacted and capped, whoever sent it."""
    shown = []
    for name in TRACED_HEADERS:
        value = headers.get(name)
        if value is not None:
            text = redact(str(value))
            shown.append(f"{name}={text if len(text) <= TRACE_VALUE_CAP else text[:TRACE_VALUE_CAP - 1] + '…'}")
    return " ".join(shown)


def _trace(settings: HttpSettings, method: str, url: str, exchange: Exchange) -> Exchange:
    if settings.tracer is not None:
        outcome = str(exchange.status) if exchange.status is not None else "-"
        if exchange.failure is not None:
            outcome += f" {exchange.failure.value}"
        line = f"{method} {public_url(url)} -> {outcome} {exchange.latency_s * 1000:.0f} ms"
        shown = trace_headers(exchange.headers)  # openai-organization there is the org's name (a slug), not its id
        gateway = detect_gateway(exchange.headers, exchange.body or "") if exchange.failure is None else None
        if gateway is not None:
            shown = (shown + " " if shown else "") + f"via={redact(str(gateway))}"
        settings.tracer(f"{line} {shown}" if shown else line)
    return exchange


class ShapeCache:
    """What each model was learned to accept (token-cap name, reasoning effort), shared by all
    probes of a check, so an adaptation one probe paid for is not paid again by the others."""

    def __init__(self, table: ModelTable) -> None:
        self._table = table
        self._learned: dict[tuple[str, str], RequestShape] = {}
        self._lock = threading.Lock()

    def get(self, model: str, surface: str) -> RequestShape:
        with self._lock:
            learned = self._learned.get((model, surface))
        if learned is not None:
            return learned
        spec = self._table.spec_for(model)
        return RequestShape(spec.chat_token_param, spec.reasoning_effort)

    def learn(self, model: str, surface: str, shape: RequestShape) -> None:
        with self._lock:
            self._learned[(model, surface)] = shape


PER_ORG_IN_FLIGHT = 12
"""Requests in flight to one org at once, whatever --concurrency allows: rate limits are per org.
Five models' chat and streamed probes plus the org's model listing fit in one round."""


class _OrgSlots:
    """A bounded number of requests in flight per org (per key for the key's default org)."""

    def __init__(self, size: int) -> None:
        self._size = max(1, size)
        self._lock = threading.Lock()
        self._slots: dict[tuple[str, str], threading.BoundedSemaphore] = {}

    @contextmanager
    def held(self, target: Target, deadline: Deadline) -> Iterator[bool]:
        key = (target.org, "") if target.org else ("", target.key_id)
        with self._lock:
            slot = self._slots.setdefault(key, threading.BoundedSemaphore(self._size))
        got = slot.acquire(timeout=max(0.0, deadline.left()))
        try:
            yield got
        finally:
            if got:
                slot.release()


class _Listings:
    """One model listing per (org, project, key) and run, started by the first probe of that org in a
    thread of its own, so it travels beside the samples instead of before them."""

    def __init__(self, run: Callable[[Target, str], ModelListing]) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._futures: dict[tuple[str | None, str | None, str], Future[ModelListing]] = {}

    def start(self, target: Target, api_key: str) -> Future[ModelListing]:
        key = (target.org, target.project, target.key_id)
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = self._futures[key] = Future()
        if owner:
            # A daemon thread: it makes one request, bounded by the deadline, and never holds up an exit.
            threading.Thread(target=self._fill, args=(future, target, api_key), name="gpt56probe-listing", daemon=True).start()
        return future

    def _fill(self, future: Future[ModelListing], target: Target, api_key: str) -> None:
        try:
            future.set_result(self._run(target, api_key))
        except BaseException as exc:  # noqa: BLE001 - a listing that breaks must still answer its waiters
            failed = Exchange(failure=Failure.OTHER, failure_detail=f"the model listing failed ({type(exc).__name__})")
            future.set_result(ModelListing(target.org, target.project, target.key_id, None, failed))


class Prober:
    """Probes targets over one Session; thread-safe, shared by the runner's workers.

    Per org and key, one ``GET /v1/models`` runs beside that org's samples (a refused sample
    bills nothing, so nothing is saved by waiting for the list first), and every request to an
    org waits for one of its PER_ORG_IN_FLIGHT slots.
    """

    def __init__(self, session: requests.Session, settings: HttpSettings, table: ModelTable, deadline: Deadline,
                 per_org_in_flight: int = PER_ORG_IN_FLIGHT) -> None:
        self.session = session
        self.settings = settings
        self.shapes = ShapeCache(table)
        self.deadline = deadline
        self._slots = _OrgSlots(per_org_in_flight)
        self._listings = _Listings(self.list_models)

    def _headers(self, api_key: str, target: Target) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        if target.org:
            headers["OpenAI-Organization"] = target.org
        if target.project:
            headers["OpenAI-Project"] = target.project
        return headers

    def _exchange(self, target: Target, method: str, url: str, headers: Mapping[str, str], body: Mapping[str, Any] | None,
                  *, sse: bool = False, store_chars: int = STORED_BODY_CHARS) -> Exchange:
        """One request to the target's org, once one of the org's in-flight slots is free."""
        with self._slots.held(target, self.deadline) as got:
            if not got:
                return Exchange(failure=Failure.DEADLINE, failure_detail="no free request slot for this org before the deadline")
            return http_exchange(self.session, method, url, headers, body, self.settings, self.deadline, sse=sse,
                                 store_chars=store_chars)

    def list_models(self, target: Target, api_key: str) -> ModelListing:
        """``GET /v1/models`` for the target's org, project and key: every id listed, or the failed answer."""
        url = f"{self.settings.base_url.rstrip('/')}/models"
        exchange = self._exchange(target, "GET", url, self._headers(api_key, target), None,
                                  store_chars=self.settings.max_body_bytes)
        ids = model_ids_in_body(exchange.body) if exchange.status == 200 and exchange.failure is None else None
        dates = shutdown_dates_in_body(exchange.body) if ids is not None else {}
        kept = replace(exchange, body="") if ids is not None else replace(exchange, body=exchange.body[:STORED_BODY_CHARS])
        return ModelListing(target.org, target.project, target.key_id, ids, kept, dates)

    def _await_listing(self, future: Future[ModelListing] | None, target: Target) -> ModelListing | None:
        if future is None:
            return None
        try:
            return future.result(timeout=max(0.0, self.deadline.left()) + 0.5)
        except FutureTimeout:
            late = Exchange(failure=Failure.DEADLINE, failure_detail="the model listing did not finish before the deadline")
            return ModelListing(target.org, target.project, target.key_id, None, late)

    def _shape_for(self, target: Target) -> RequestShape:
        """The request shape a sample starts from: what this model was taught, else the table's first guess."""
        return self.shapes.get(target.model, target.surface)

    def _learn(self, target: Target, shape: RequestShape) -> None:
        self.shapes.learn(target.model, target.surface, shape)

    def _sample_body(self, target: Target, shape: RequestShape) -> tuple[str, dict[str, Any]]:
        if target.surface == "responses":
            body: dict[str, Any] = {"model": target.model, "input": PROBE_PROMPT, "max_output_tokens": OUTPUT_TOKEN_CAP}
            if shape.reasoning_effort:
                body["reasoning"] = {"effort": shape.reasoning_effort}
            if target.stream:
                body["stream"] = True
            return "/responses", body
        body = {"model": target.model, "messages": [{"role": "user", "content": PROBE_PROMPT}], shape.token_param: OUTPUT_TOKEN_CAP}
        if shape.reasoning_effort:
            body["reasoning_effort"] = shape.reasoning_effort
        if target.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return "/chat/completions", body

    def probe(self, target: Target, api_key: str, precheck: bool = True) -> Observation:
        """Sample the model, adapting and retrying as retrypolicy decides, while the org's model
        listing (``precheck``) runs beside it; the two are joined when both are back."""
        started_at = now_iso()
        listing_future = self._listings.start(target, api_key) if precheck else None
        shape = self._shape_for(target)
        attempts = 0
        transient = 0
        notes: list[str] = []
        log: list[Attempt] = []
        exchange: Exchange | None = None
        first_sent = time.monotonic()
        while True:
            path, body = self._sample_body(target, shape)
            url = self.settings.base_url.rstrip("/") + path
            sent_at = time.monotonic() - first_sent
            exchange = self._exchange(target, "POST", url, self._headers(api_key, target), body, sse=target.stream)
            attempts += 1
            decision: Decision = decide(
                exchange,
                surface=target.surface,
                shape=shape,
                transient_retries=transient,
                adaptations=len(notes),
                time_left_s=self.deadline.left(),
            )
            log.append(_attempt(target, exchange, sent_at, shape, decision.action))
            if decision.action == "adapt" and decision.shape is not None:
                notes.append(decision.note)
                shape = decision.shape
                self._learn(target, shape)
                continue
            if decision.action == "retry":
                transient += 1
                time.sleep(decision.wait_s)
                continue
            break
        answer = read_body(exchange.body).answer if exchange.status == 200 else None
        usage_in, usage_out = (answer.usage_in, answer.usage_out) if answer else (0, 0)
        listing = self._await_listing(listing_future, target)
        state = listing.state_for(target.model) if listing is not None else PRECHECK_SKIPPED
        return Observation(target, state, listing.exchange if listing is not None else None, exchange, attempts,
                           tuple(notes), started_at, usage_in, usage_out, listing, tuple(log))


def _attempt(target: Target, exchange: Exchange, sent_at: float, shape: RequestShape, then: str) -> Attempt:
    """One sampling request as plain data: the answer's status, the headers that matter and the body
    (as kept on the Exchange: capped, the run's secrets already removed), and the request's shape."""
    return Attempt(
        endpoint=target.surface, model=target.model, stream=target.stream, sent_at_s=round(sent_at, 3),
        status=exchange.status, headers=exchange.headers, body=exchange.body,  # the kept headers, shared, not copied
        latency_s=exchange.latency_s, failure=exchange.failure, failure_detail=exchange.failure_detail,
        token_param=shape.token_param if target.surface == "chat" else None, reasoning_effort=shape.reasoning_effort,
        then=then, received_wall=time.time(),
    )
