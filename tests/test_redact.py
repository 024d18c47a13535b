"""Redaction: secrets go, the facts a support ticket needs stay readable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt56probe.core.redact import fingerprint, redact

PROJECT_KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 3 + "WXYZ"
LEGACY_KEY = "sk-" + "Q" * 20 + "r4nd0mK3yMat3r1aL" + "9f2c"
SVCACCT_KEY = "sk-svcacct-" + "a1B2c3D4e5F6g7H8i9J0" * 2 + "tail"


@pytest.mark.parametrize("key", [PROJECT_KEY, LEGACY_KEY, SVCACCT_KEY, "sess-AbCdEfGhIjKlMnOpQrStUvWx1234", "rk-live0123456789abcdefABCD"])
def test_api_keys_are_masked_to_prefix_and_last_four(key: str) -> None:
    out = redact(f"using key {key} now")
    assert key not in out
    assert key[-4:] in out and "\u2026" in out and out.startswith("using key ")


def test_project_key_keeps_its_kind() -> None:
    assert redact(PROJECT_KEY) == "sk-proj-\u2026WXYZ"


def test_bearer_token_is_masked() -> None:
    assert redact("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload123") == "Authorization: Bearer ***"


def test_bearer_prose_and_placeholder_stay_readable() -> None:
    text = "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)"
    assert redact(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://user:hunter2@proxy.example.com:8080/path", "https://user:***@proxy.example.com:8080/path"),
        ("http://:s3cret@10.0.0.1:3128", "http://:***@10.0.0.1:3128"),
        ("socks5://bob:p%40ss@host", "socks5://bob:***@host"),
        ("https://api.example.com/v1?api_key=abc123&x=1", "https://api.example.com/v1?api_key=***&x=1"),
    ],
)
def test_passwords_in_urls_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Cookie: __cf_bm=abc.def-123; _cfuvid=xyz",
        "Set-Cookie: __cf_bm=abc.def-123; path=/; HttpOnly",
        "(b'Set-Cookie', b'__cf_bm=Zm9vYmFy; path=/')",
        "{'Set-Cookie': '__cf_bm=Zm9vYmFy; path=/'}",
    ],
)
def test_cookie_values_are_masked_and_their_names_kept(text: str) -> None:
    out = redact(text)
    assert "__cf_bm=***" in out
    assert not any(value in out for value in ("abc.def-123", "Zm9vYmFy", "xyz"))


def test_emails_are_masked_unless_kept() -> None:
    text = "approved: Alice@Example.com, teammate: bob@example.org"
    assert redact(text, keep_emails=["alice@example.com"]) == "approved: Alice@Example.com, teammate: ***@***"


def test_long_hex_and_base64_secrets_are_masked() -> None:
    assert redact("token " + "a" * 16 + "0123456789abcdef" * 2) == "token ***"
    assert redact("secret AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFGH==") == "secret ***"


@pytest.mark.parametrize(
    "text",
    [
        "request id req_e658ada8b938d562845ba9c783179bb6",
        "Please include the request ID e5c949c8ec2c86be225544e5eefcbe4d in your email.",
        "Rate limit reached for gpt-4o in organization org-uOtiSEwvUnroadaOnJJquBEC on tokens per min",
        "Project `proj_9KoeXdtHe0YQJbsF2FQAKmzl` does not have access to model `gpt-4o-mini`",
        "model gpt-5.6-sol-2026-12-01 and ft:gpt-3.5-turbo-1106:personal::8TEhcfKm",
        "Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization.",
        "https://platform.openai.com/docs/guides/reasoning#advice-on-prompting",
        "cf-ray: 81f306648c6ab0ed-ATL, thread 019dae8e-9ee6-7363-b063-6969e0e1478d",
        "openai-organization: user-qgmljulyw225lidrfb9zojtg",
    ],
)
def test_ids_and_plain_urls_stay_readable(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Incorrect API key provided: sk-PMafP***************************************E873. You can find your API key at https://platform.openai.com/account/api-keys.",
        "Incorrect API key provided: sk-proj-abc***xyz.",
        "Incorrect API key provided: sk-sim-in***alid.",
    ],
)
def test_key_openai_already_masked_stays_masked(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "key, expected",
    [
        (PROJECT_KEY, "sk-proj-\u2026WXYZ"),
        (LEGACY_KEY, "sk-\u20269f2c"),
        (SVCACCT_KEY, "sk-svcacct-\u2026tail"),
        ("sess-AbCdEfGhIjKlMnOp1234", "sess-\u20261234"),
        ("sk-short", "\u2026rt"),
        ("weird-key-format", "\u2026at"),
        ("", "(empty)"),
        ("   ", "(empty)"),
    ],
)
def test_fingerprint(key: str, expected: str) -> None:
    assert fingerprint(key) == expected


def test_fingerprint_never_contains_the_key_body() -> None:
    assert PROJECT_KEY[8:-4] not in fingerprint(PROJECT_KEY)


SECRETISH = st.sampled_from([
    PROJECT_KEY, LEGACY_KEY, "Bearer abcdefghij123", "https://u:p@h", "Cookie: a=b", "x@y.co", "req_" + "a" * 32,
    "0123456789abcdef" * 3, "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF", "***", "sk-", "@", ":", "//", "=", "\n", "'",
])
texts = st.one_of(st.text(max_size=200), st.lists(SECRETISH | st.text(max_size=6), max_size=12).map("".join),
                  st.lists(SECRETISH | st.text(max_size=6), max_size=12).map(" ".join))


@settings(max_examples=300, deadline=None)
@given(texts, st.lists(st.sampled_from(["x@y.co", "a@b.org"]), max_size=2))
def test_redact_is_total_and_idempotent(text: str, keep: list[str]) -> None:
    once = redact(text, keep_emails=keep)
    assert isinstance(once, str)
    assert redact(once, keep_emails=keep) == once


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=10), max_size=4).map(" ".join), st.sampled_from([PROJECT_KEY, LEGACY_KEY, SVCACCT_KEY]))
def test_a_key_anywhere_never_survives(prefix: str, key: str) -> None:
    assert key not in redact(f"{prefix} {key} {prefix}")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fingerprint_is_total_and_short(key: str) -> None:
    assert len(fingerprint(key)) <= 16
