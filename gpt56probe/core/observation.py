"""Plain data that flows one way: Target -> Observation -> Diagnosis.

Nothing here does I/O. An Observation is everything a probe saw, so that
classification can be a pure function of it and tests can build one by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Mapping

PRECHECK_LISTED = "listed"
PRECHECK_NOT_LISTED = "not_listed"
PRECHECK_ERROR = "error"
PRECHECK_SKIPPED = "skipped"
PRECHECK_STATES = (PRECHECK_LISTED, PRECHECK_NOT_LISTED, PRECHECK_ERROR, PRECHECK_SKIPPED)

SURFACES = ("chat", "responses")


class Failure(str, Enum):
    """Why an HTTP exchange produced no status: the transport's own failure kinds."""

    CONNECT_TIMEOUT = "connect_timeout"
    READ_TIMEOUT = "read_timeout"
    DEADLINE = "deadline"  # the check's overall deadline ran out before or during the request
    DNS = "dns"
    REFUSED = "refused"
    RESET = "reset"
    TLS = "tls"
    PROXY = "proxy"
    TOO_LARGE = "too_large"  # body exceeded the read cap
    INVALID_URL = "invalid_url"
    NOT_SENT = "not_sent"  # the run's own deadline left no time to send it: nothing was learned (unknown)
    OTHER = "other"


@dataclass(frozen=True)
class Target:
    """One probe to make: which org, model and surface, with which key."""

    org: str | None
    model: str
    tier: str
    surface: str = "chat"
    stream: bool = False
    project: str | None = None
    key_id: str = ""  # a fingerprint of the key used, never the key; lets the classifier tell "same key"

    @property
    def label(self) -> str:
        return f"{self.org or '(default org)'} {self.model} {self.surface}{' stream' if self.stream else ''}"


@dataclass(frozen=True)
class Exchange:
    """One HTTP answer, or the transport failure that replaced it.

    ``headers`` keys are lower case. ``body`` is text, already capped by the probe; a streamed
    answer keeps its raw server-sent events (wire.read_body reads both).
    """

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    latency_s: float = 0.0
    failure: Failure | None = None
    failure_detail: str = ""


RECORDED_HEADERS: tuple[str, ...] = (
    "content-type", "x-request-id", "openai-organization", "openai-project", "openai-processing-ms", "openai-version",
    "retry-after", "retry-after-ms", "x-should-retry", "openai-safety-notice",
    # who answered when it was not OpenAI (core.gateways.detect): a replay must name the same gateway or proxy
    "via", "server", "x-squid-error", "proxy-authenticate", "apim-request-id", "x-ms-region", "x-ms-deployment-name",
    "azureml-model-session", "x-ms-client-request-id",
)
RECORDED_PREFIXES: tuple[str, ...] = ("x-ratelimit-", "x-litellm-")
"""Response headers an answer keeps, on its Exchange as in a recording (with every ``x-ratelimit-*`` and ``x-litellm-*``):
the ones a verdict, a retry, the gateway's name or a support ticket reads; the rest (dates, CDN ids, lengths) are
dropped as the answer arrives, so a fleet's 10,000 answers do not each carry twenty. ``openai-organization`` is the
org's name (a slug), never its id."""


def is_recorded_header(name: str) -> bool:
    """Whether an answer keeps this (lower-case) header."""
    return name in _RECORDED_SET or name.startswith(RECORDED_PREFIXES)


_RECORDED_SET = frozenset(RECORDED_HEADERS)


def recorded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers of an answer worth keeping, names lower case, in RECORDED_HEADERS order, rate limits last."""
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    kept = {name: lowered[name] for name in RECORDED_HEADERS if name in lowered}
    kept.update({k: v for k, v in sorted(lowered.items()) if k.startswith(RECORDED_PREFIXES)})
    return kept


@dataclass(frozen=True)
class Attempt:
    """One request a probe sent and what came back, as plain data, so a run can be recorded and replayed
    (gpt56probe/store/record.py). The verdict never reads it: classify judges ``Observation.final``.

    ``sent_at_s`` is when the request left, in seconds after the probe's first one (the gaps are the
    retry waits); ``token_param`` and ``reasoning_effort`` are the shape of the probe's own request
    (None: left out); ``then`` is what the probe did next: ``adapt``, ``retry`` or ``stop``;
    ``received_wall`` the Unix time the answer was complete (a ``retry-after`` date is relative to it).
    """

    endpoint: str  # chat, responses or models.list
    model: str  # "" for the model listing
    stream: bool
    sent_at_s: float
    status: int | None
    headers: Mapping[str, str]
    body: str
    latency_s: float
    failure: Failure | None = None
    failure_detail: str = ""
    token_param: str | None = None
    reasoning_effort: str | None = None
    then: str = "stop"
    received_wall: float = 0.0


@dataclass(frozen=True)
class ModelListing:
    """One ``GET /v1/models`` for an (org, project, key): every id the org listed, or why it could not be read.

    One per org and key per run, shared by that org's observations, so the full list
    is there for whoever needs more than a yes/no per model.
    """

    org: str | None
    project: str | None
    key_id: str
    ids: tuple[str, ...] | None  # None when the listing failed (see ``exchange``)
    exchange: Exchange
    shutdown_dates: Mapping[str, str] = field(default_factory=dict)  # id -> "YYYY-MM-DD" the list announces

    def state_for(self, model: str) -> str:
        """The pre-check state of one model: listed, not_listed, or error (the list could not be read)."""
        if self.ids is None:
            return PRECHECK_ERROR
        return PRECHECK_LISTED if model in self.ids else PRECHECK_NOT_LISTED


@dataclass(frozen=True)
class Observation:
    """What a probe saw for one target: the org's model listing (the pre-check) and the final sampling answer."""

    target: Target
    precheck: str = PRECHECK_SKIPPED  # this model in the org's listing: listed, not_listed, error, skipped
    precheck_exchange: Exchange | None = None  # the listing's answer
    sample: Exchange | None = None
    attempts: int = 0
    adaptations: tuple[str, ...] = ()  # e.g. "max_tokens->max_completion_tokens"
    started_at: str = ""  # ISO 8601 with offset, set by the shell
    usage_input_tokens: int = 0
    usage_output_tokens: int = 0
    listing: ModelListing | None = None  # the org's whole model list (shared by the org's observations)
    attempt_log: tuple[Attempt, ...] = ()  # every sampling request and its answer, in order (the last one is ``sample``)

    @property
    def final(self) -> Exchange | None:
        """The exchange that decides the verdict: the sample, else the pre-check."""
        return self.sample if self.sample is not None else self.precheck_exchange


def listings_of(observations: Iterable["Observation"]) -> tuple[ModelListing, ...]:
    """The distinct model listings behind some observations, in first-seen order (one per org and key)."""
    seen: dict[int, ModelListing] = {}
    for observation in observations:
        listing = getattr(observation, "listing", None)
        if isinstance(listing, ModelListing) and id(listing) not in seen:
            seen[id(listing)] = listing
    return tuple(seen.values())


class Verdict(str, Enum):
    OK = "ok"
    WRONG_ORG = "wrong_org"
    NOT_PROVISIONED = "not_provisioned"
    PROVISIONING_PENDING = "provisioning_pending"
    PROJECT_NO_ACCESS = "project_no_access"
    REGION_VPN = "region_vpn"
    SAFETY_CHECK = "safety_check"
    INVALID_KEY = "invalid_key"
    KEY_PERMISSIONS = "key_permissions"
    ACCOUNT_BLOCKED = "account_blocked"
    QUOTA_EXHAUSTED = "quota_exhausted"
    RATE_LIMITED = "rate_limited"
    ORG_NOT_ELIGIBLE = "org_not_eligible"
    UNSUPPORTED_PARAMETER = "unsupported_parameter"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    UNKNOWN = "unknown"


class Severity(str, Enum):
    """Monitoring-plugins states; the value order is the exit code."""

    OK = "OK"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"
    UNKNOWN = "UNKNOWN"

    @property
    def exit_code(self) -> int:
        return {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}[self.value]


ACCESS_VERDICTS = frozenset(
    {
        Verdict.WRONG_ORG,
        Verdict.NOT_PROVISIONED,
        Verdict.PROVISIONING_PENDING,
        Verdict.PROJECT_NO_ACCESS,
        Verdict.REGION_VPN,
        Verdict.INVALID_KEY,
        Verdict.KEY_PERMISSIONS,
        Verdict.ACCOUNT_BLOCKED,
        Verdict.QUOTA_EXHAUSTED,
        Verdict.ORG_NOT_ELIGIBLE,
    }
)
DEGRADED_VERDICTS = frozenset({Verdict.SAFETY_CHECK, Verdict.RATE_LIMITED, Verdict.SERVER_ERROR, Verdict.TIMEOUT})
UNJUDGED_VERDICTS = frozenset({Verdict.UNSUPPORTED_PARAMETER, Verdict.UNKNOWN, Verdict.NETWORK_ERROR})


def severity_of(verdict: Verdict) -> Severity:
    """The monitoring state one verdict of an expected target implies.

    network_error is UNKNOWN only when every probe failed on the network; the
    summary decides that (see classify.overall_severity); alone it degrades.
    """
    if verdict is Verdict.OK:
        return Severity.OK
    if verdict in ACCESS_VERDICTS:
        return Severity.CRITICAL
    if verdict in DEGRADED_VERDICTS:
        return Severity.WARNING
    return Severity.UNKNOWN


@dataclass(frozen=True)
class Diagnosis:
    """The verdict on one Observation, with the facts a table, JSON or a support packet shows."""

    target: Target
    verdict: Verdict
    reason: str
    remediation: str
    http_status: int | None = None
    error_code: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    request_id: str | None = None
    org_name: str | None = None  # the org's name from the ``openai-organization`` header (a slug, never the id)
    precheck: str = PRECHECK_SKIPPED
    truncated: bool = False
    latency_ms: float | None = None
    timestamp: str = ""
    attempts: int = 0
    answer: str | None = None
    adaptations: tuple[str, ...] = ()
    usage_input_tokens: int = 0
    usage_output_tokens: int = 0
    gateway: str | None = None  # who answered when it was not OpenAI: "LiteLLM proxy (x-litellm-version header)"
    shutdown_date: str | None = None  # the org's model list announces this model's retirement ("YYYY-MM-DD")

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK
