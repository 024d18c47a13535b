"""Pasted text, control characters and the run's own secrets (issue 13, items 1, 3 and 5)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt56probe.core.redact import fingerprint, neutralize_controls, public_url, redact, scrub_values


@pytest.mark.parametrize(
    "text, expected",
    [
        ("password: hunter2xyz", "password: ***"),
        ("passwd=abc123", "passwd=***"),
        ("pwd = s3cr3t!", "pwd = ***"),
        ("secret => 'value123'", "secret => '***'"),
        ("token: 0a1b2c3d", "token: ***"),
        ('{"api_key": "abcd1234efgh", "model": "gpt-5.6-sol"}', '{"api_key": "***", "model": "gpt-5.6-sol"}'),
        ("{'apikey': 'abcd1234', 'org': 'org-abc'}", "{'apikey': '***', 'org': 'org-abc'}"),
        ("X-Api-Key: abcdef123456", "X-Api-Key: ***"),
        ("x-api-key=abcdef123456&model=gpt-5.5", "x-api-key=***&model=gpt-5.5"),
        ("OPENAI_API_KEY=xyzzy-1234", "OPENAI_API_KEY=***"),
        ('export GITHUB_TOKEN="ghp_abc123"', 'export GITHUB_TOKEN="***"'),
        ("AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI", "AWS_SECRET_ACCESS_KEY: ***"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic ***"),
        ("Authorization: Token 9944b09199c62bcf9418ad84", "Authorization: Token ***"),
        ("curl -H 'Token abcdefgh1234' https://x", "curl -H 'Token ***' https://x"),
        ('"authorization": "Bearer abc.def.ghi-123"', '"authorization": "***"'),
        ("openai --api-key abcd1234efgh chat", "openai --api-key *** chat"),
        ("mysql --password=hunter2hunter2 db", "mysql --password=*** db"),
        ("curl -u admin:hunter2hunter2 https://x", "curl -u admin:*** https://x"),
        ("x-goog-api-key: AIzaFAKEabc123", "x-goog-api-key: ***"),
        ("Ocp-Apim-Subscription-Key: 0a1b2c3d4e", "Ocp-Apim-Subscription-Key: ***"),
        ("secret_key=abc123def", "secret_key=***"),
        ("aws_secret_access_key = wJalrXUtnFEMI", "aws_secret_access_key = ***"),
        ("setx OPENAI_API_KEY abcd1234efgh", "setx OPENAI_API_KEY ***"),
        ("key sk-proj-abc\u200bdefghijklmnopqrstuv1234 end", "key sk-proj-\u2026" + "1234 end"),
    ],
)
def test_pasted_credentials_are_masked_in_every_form(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "max_tokens=16 and max_output_tokens: 16",
        '{"usage": {"input_tokens": 5, "output_tokens": 3}}',
        '{"counts": {"invalid_key": 1, "ok": 2}}',
        "Token verification failed for this request",
        "the password field is empty",
        "gpt56probe check --api-key-env VAR --no-keyring",
        "OPENAI_API_KEY=YOUR_KEY or api_key: $OPENAI_API_KEY or password: <secret>",
        "Authorization: Bearer YOUR_KEY",
        "/home/Ann/Projects2024/gpt56probe/tests/data/history.jsonl",
        "gpt56probe check --api-key-env OPENAI_KEY_PROD",
    ],
)
def test_prose_placeholders_and_paths_stay_readable(text: str) -> None:
    assert redact(text) == text


def test_the_cookie_rule_masks_each_value_and_stops_where_the_cookies_end() -> None:
    text = "Cookie: session=abc123; theme=dark and then the request failed with 403"
    assert redact(text) == "Cookie: session=***; theme=*** and then the request failed with 403"


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\x1b[2J\x1b[Hgotcha", "\u241b[2J\u241b[Hgotcha"),
        ("ok\rFAKE", "ok\u240dFAKE"),
        ("line one\r\nline two", "line one\nline two"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("bell\x07 del\x7f c1\x9b", "bell\u2407 del\u2421 c1<U+009B>"),
        ("abc\u202edcba", "abc<U+202E>dcba"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_control_characters_become_visible_stand_ins(raw: str, shown: str) -> None:
    assert neutralize_controls(raw) == shown
    assert redact(raw) == shown


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_redacted_text_never_holds_a_control_character_and_redact_is_idempotent(text: str) -> None:
    out = redact(text)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in out)
    assert not any(0x7F <= ord(c) <= 0x9F for c in out)
    assert redact(out) == out


def test_scrub_values_removes_a_secret_of_any_shape_longest_first() -> None:
    key = "TESTFAKE.unknown-shape.key.0123456789"
    secrets = {key: fingerprint(key), key[:12]: "***"}
    text = f"Incorrect API key provided: {key}; prefix {key[:12]}"
    out = scrub_values(text, secrets)
    assert key not in out and key[:12] not in out
    assert f"\u2026{key[-4:]}" in out


def test_fingerprint_of_a_long_key_of_unknown_shape_shows_its_last_four() -> None:
    assert fingerprint("TESTFAKE-unknown-shape-key-0123456789") == "\u20266789"


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://user:pa55@proxy.example:3128", "https://proxy.example:3128"),
        ("https://token@hc-ping.example/abc", "https://hc-ping.example/abc"),
        ("https://api.example/v1?api_key=abc123&x=1", "https://api.example/v1?api_key=***&x=1"),
        ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
    ],
)
def test_public_url_drops_userinfo_and_masks_secret_parameters(url: str, shown: str) -> None:
    assert public_url(url) == shown


_JSON_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        'password="hunter2hunter2"', "password=\\", 'Cookie: a=b\\"; c=d', "token: \\\"x\\\"", "http://u:p\\@h",
        "api_key='abc123'", "Authorization: Bearer abcdefgh123", "--password=abc\\def", "sk-proj-" + "A1b2" * 6,
        "x@example.com", "0123456789abcdef" * 3, "\x1b[2J", "\u202e",
    ]),
)


@given(st.recursive(_JSON_VALUES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.one_of(st.text(max_size=10), st.sampled_from(["password", "api_key", "token", "cookie", "invalid_key"])),
    inner, max_size=4), max_leaves=12))
@settings(max_examples=400, deadline=None)
def test_redacting_serialized_json_always_leaves_json_that_parses_with_the_same_keys(doc: object) -> None:
    import json

    for text in (json.dumps(doc), json.dumps(doc, ensure_ascii=False)):
        again = json.loads(redact(text))
        if isinstance(doc, dict):
            assert isinstance(again, dict)
            named = {"password", "api_key", "token", "cookie", "invalid_key"}
            assert set(doc) & named <= set(again)
    assert isinstance(json.loads(redact(json.dumps(json.dumps(doc)))), str)
