"""Reading the OpenAI wire format (pure): the one error and answer parser the probe and classifier share."""

from __future__ import annotations

import json

import pytest

from gpt56probe.core.wire import ErrorInfo, answer_in_body, error_in_body, model_ids_in_body, supported_values


def test_the_error_envelope_keeps_null_codes_as_none():
    body = json.dumps({"error": {"message": "m", "type": "invalid_request_error", "param": None, "code": None}})
    assert error_in_body(body) == ErrorInfo(code=None, type="invalid_request_error", message="m", param=None)


def test_a_relayed_error_inside_a_proxy_message_is_unwrapped():
    inner = json.dumps({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}})
    body = json.dumps({"error": {"message": f"litellm.RateLimitError: OpenAIException - {inner}", "type": None, "param": None, "code": "429"}})
    assert error_in_body(body) == ErrorInfo(code="insufficient_quota", type="insufficient_quota", message="You exceeded your current quota", param=None)


def test_non_json_bodies_have_no_envelope():
    for body in ("", "<html>502 Bad Gateway</html>", "[]", "null", '{"error": 5}', "{"):
        assert error_in_body(body) is None


def test_an_integer_code_becomes_text():
    assert error_in_body('{"error": {"message": "Bad gateway.", "type": "cf_bad_gateway", "param": null, "code": 502}}').code == "502"


def test_a_chat_answer_is_read_with_its_finish_reason_and_usage():
    body = json.dumps({"object": "chat.completion", "choices": [{"message": {"role": "assistant", "content": "ok", "refusal": None}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 10, "completion_tokens": 2}})
    answer = answer_in_body(body)
    assert answer.recognised and (answer.text, answer.finish, answer.usage_in, answer.usage_out) == ("ok", "stop", 10, 2)


def test_a_responses_answer_joins_output_text_and_reads_incomplete_details():
    body = json.dumps({"object": "response", "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"},
                       "output": [{"type": "reasoning", "summary": []}], "usage": {"input_tokens": 9, "output_tokens": 16}})
    answer = answer_in_body(body)
    assert answer.recognised and answer.text is None and answer.incomplete_reason == "max_output_tokens" and answer.usage_out == 16


def test_supported_values_are_read_from_the_message():
    msg = "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'none', 'low', and 'high'."
    assert supported_values(msg) == ("none", "low", "high")


def test_the_model_list_keeps_every_id_in_order_and_nothing_else():
    body = json.dumps({"object": "list", "data": [{"id": "gpt-5.6-sol", "object": "model"}, {"id": "gpt-5.5"}, {"id": 7},
                                                 "junk", {"id": ""}, {"id": "gpt-5.6-sol"}, {"object": "model"}]})
    assert model_ids_in_body(body) == ("gpt-5.6-sol", "gpt-5.5")
    assert model_ids_in_body('{"object": "list", "data": []}') == ()


@pytest.mark.parametrize("body", ["", "<html>502</html>", '{"error": {"message": "nope"}}', '{"data": {"id": "x"}}', "[1, 2]",
                                  '{"object": "list", "data": [', "\x00\xff"])
def test_a_body_that_is_not_a_model_list_gives_no_ids(body):
    assert model_ids_in_body(body) is None
