"""packet: fields, redaction and rendering, all pure."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from gpt56probe.views import packet as pk

TEMPLATE = (Path(__file__).resolve().parents[1] / "templates" / "support_packet.md").read_text(encoding="utf-8")
RID = "req_0123456789abcdef0123456789abcdef"


def sample(**changes: str) -> pk.PacketFields:
    base = pk.PacketFields(
        surface="API (chat completions)", model="gpt-5.6-sol", org_or_workspace="org-abc123", email="me@corp.example",
        error="HTTP 404 model_not_found: The model `gpt-5.6-sol` does not exist", request_id=RID,
        timestamp="2026-11-23T13:10:00.123+00:00 (UTC)", vpn_proxy="no proxy; no VPN-like interface up",
        task="summarise a changelog", verdict="not_provisioned", next_step="Ask your account rep.", generated_by="gpt56probe test",
    )
    return pk.PacketFields(**{**base.as_dict(), **changes})


def test_field_order_matches_facts() -> None:
    assert pk.FIELD_ORDER[:9] == ("surface", "model", "org_or_workspace", "email", "error", "request_id", "timestamp",
                                  "vpn_proxy", "task")
    assert list(json.loads(pk.render_json(sample()))) == list(pk.FIELD_ORDER)


def test_shipped_template_uses_every_placeholder() -> None:
    names = {m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(TEMPLATE)} - {None}
    assert names == set(pk.FIELD_ORDER)


def test_text_lists_every_field_in_order() -> None:
    out = pk.render_text(sample(error="line one\nline two"))
    positions = [out.index(pk.LABELS[name]) for name in pk.FIELD_ORDER]
    assert positions == sorted(positions)
    assert "line one" in out and "line two" in out and RID in out


def test_markdown_fills_the_template() -> None:
    out = pk.render_markdown(sample(), TEMPLATE)
    assert "$" not in out.replace("$$", "")
    assert f"`{RID}`" in out and "me@corp.example" in out and "org-abc123" in out


def test_markdown_keeps_table_and_fences_intact() -> None:
    out = pk.render_markdown(sample(vpn_proxy="a | b\nc", error="x ``` y", request_id="r`x"), TEMPLATE)
    assert "a \\| b c" in out and "x ''' y" in out and "`r'x`" in out


def test_template_errors() -> None:
    with pytest.raises(pk.TemplateError, match=r"\$nope"):
        pk.fill_template("hi $nope", sample())
    with pytest.raises(pk.TemplateError, match=r"\$\$"):
        pk.fill_template("cost $5", sample())
    assert pk.fill_template("$$5 ${model}", sample()) == "$5 gpt-5.6-sol"


def test_given() -> None:
    assert pk.given(None) == pk.NOT_GIVEN and pk.given("  ") == pk.NOT_GIVEN and pk.given(" x ") == "x"


def test_format_timestamp() -> None:
    assert pk.format_timestamp("2026-11-23T13:10:00.123+00:00", "UTC") == "2026-11-23T13:10:00.123+00:00 (UTC)"
    assert pk.format_timestamp("2026-11-23T14:10:00+01:00", "CET") == "2026-11-23T14:10:00.000+01:00 (CET)"
    assert re.fullmatch(r"2026-11-23T13:10:00\.000[+-]\d\d:\d\d \(.+\)", pk.format_timestamp("2026-11-23T13:10:00"))
    assert re.fullmatch(r".*\+00:00 \(.+\)", pk.format_timestamp("2026-11-23T13:10:00Z"))
    assert pk.format_timestamp("") == pk.NOT_GIVEN
    assert pk.format_timestamp("yesterday") == "yesterday"


def test_redact_fields_keeps_approved_email_and_ids() -> None:
    secret = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0" * 2
    packet = sample(task=f"use {secret} and ask other@corp.example, not me@corp.example", request_id=RID,
                    org_or_workspace="org-abc123 proj_abc123")
    clean = pk.redact_fields(packet, keep_email="me@corp.example")
    assert secret not in clean.task and "other@corp.example" not in clean.task and "me@corp.example" in clean.task
    assert clean.email == "me@corp.example"
    assert clean.request_id == RID and clean.org_or_workspace == "org-abc123 proj_abc123"


def test_bare_hex_request_id_stays_but_secret_hex_in_other_fields_goes() -> None:
    hexid = "0123456789abcdef" * 2
    clean = pk.redact_fields(sample(request_id=hexid, task=f"token {'deadbeef' * 6}"))
    assert clean.request_id == hexid and "deadbeef" * 6 not in clean.task


def test_request_id_field_with_a_secret_is_redacted() -> None:
    clean = pk.redact_fields(sample(request_id=f"{RID} (Bearer abcdefghijklmnop1234)"))
    assert RID in clean.request_id and "abcdefghijklmnop1234" not in clean.request_id


def test_email_that_is_not_one_address_is_not_kept() -> None:
    assert pk.approved_email("me@corp.example") == "me@corp.example"
    assert pk.approved_email("me@corp.example password=hunter2") is None
    clean = pk.redact_fields(sample(email="me@corp.example password=hunter2"), keep_email=None)
    assert "hunter2" not in clean.email and "me@corp.example" not in clean.email


def test_hex_credential_in_request_id_field_is_not_mistaken_for_an_id() -> None:
    hexsecret = "abcdef0123456789" * 2
    clean = pk.redact_fields(sample(request_id=f"{RID} Bearer {hexsecret}"))
    assert RID in clean.request_id and hexsecret not in clean.request_id
