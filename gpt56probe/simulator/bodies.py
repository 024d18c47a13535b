"""Answer bodies in the real API's shapes: error envelopes, completions, responses, SSE, edge pages.

Shapes follow captured real answers (docs/real-error-bodies.md sections 16, 12, 13)
so the official SDK parses them and a probe sees what it would see live.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import string
import time
from typing import Any, Iterator, Mapping

from gpt56probe.simulator.scenarios import ErrorSpec, StreamErrorSpec

ANSWER_TEXT = "ok"
PROMPT_TOKENS = 10
COMPLETION_TOKENS = 2
_ALNUM = string.ascii_letters + string.digits
_PLACEHOLDER = re.compile(r"\{(model|org|project|key_masked|request_id)\}")


def request_id() -> str:
    """``req_`` + 32 lowercase hex, like the real x-request-id."""
    return "req_" + secrets.token_hex(16)


def _alnum(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def mask_key(key: str) -> str:
    """Mask a key the way the real 401 does: first 8 kept, stars, last 4 kept; short keys echoed."""
    if len(key) <= 12:
        return key
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def fill(message: str, values: Mapping[str, str]) -> str:
    """Replace the known {placeholders}; anything else in braces is left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), message)


def error_body(spec: ErrorSpec, values: Mapping[str, str]) -> dict[str, Any]:
    """The real envelope ``{"error": {message, type, param, code}}`` in the spec's field order."""
    fields: dict[str, Any] = {"message": fill(spec.message, values), "type": spec.type, "param": spec.param,
                              "code": spec.code}
    return {"error": {name: fields[name] for name in spec.order}}


def plain_error(status: int, message: str, param: str | None = None, code: str | None = None,
                type_: str = "invalid_request_error") -> tuple[int, dict[str, Any]]:
    """A status and envelope for the simulator's own validation errors."""
    return status, {"error": {"message": message, "type": type_, "param": param, "code": code}}


def model_object(model_id: str, shutdown_date: str | None = None) -> dict[str, Any]:
    """A Model object; ``shutdown_date`` only when announced (the real list sends it or null)."""
    obj: dict[str, Any] = {"id": model_id, "object": "model", "created": 1_700_000_000, "owned_by": "system"}
    if shutdown_date:
        obj["shutdown_date"] = shutdown_date
    return obj


def models_list(ids: list[str], shutdown_dates: Mapping[str, str] | None = None) -> dict[str, Any]:
    dates = shutdown_dates or {}
    return {"object": "list", "data": [model_object(i, dates.get(i)) for i in ids]}


# --------------------------------------------------------------------------- chat


def completion_id() -> str:
    return "chatcmpl-" + _alnum(29)


def chat_completion(model: str, answer: str, cap: int | None) -> dict[str, Any]:
    """A chat.completion for one of the answer variants (ok, withheld, length)."""
    content: str | None = ANSWER_TEXT
    refusal: str | None = None
    finish = "stop"
    completion, reasoning = COMPLETION_TOKENS, 0
    if answer == "withheld":
        content, refusal, finish = None, "This content can't be shown.", "content_filter"
        completion = 0
    elif answer == "length":
        content, finish = "", "length"
        completion = reasoning = cap or 16
    blank = answer == "blank"
    if blank:
        content = ""
    return {
        "id": "chatcmpl-" + _alnum(29),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
            "logprobs": None,
            "finish_reason": finish,
        }],
        "usage": None if blank else {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": completion,
            "total_tokens": PROMPT_TOKENS + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": None,
    }


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event; ``data`` is JSON-encoded unless it is already a string."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


def chat_stream(model: str, answer: str, cap: int | None, include_usage: bool) -> Iterator[bytes]:
    """``data: {chat.completion.chunk}`` lines ending ``data: [DONE]``, as the real stream does."""
    full = chat_completion(model, answer, cap)
    base = {"id": full["id"], "object": "chat.completion.chunk", "created": full["created"], "model": model,
            "service_tier": "default", "system_fingerprint": None}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = dict(base, choices=[{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}])
        if include_usage:
            body["usage"] = None  # real streams send usage only on the last, choice-less chunk
        return sse(body)

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    message = full["choices"][0]["message"]
    if message["content"]:
        yield chunk({"content": message["content"]})
    if message["refusal"]:
        yield chunk({"refusal": message["refusal"]})
    yield chunk({}, full["choices"][0]["finish_reason"])
    if include_usage:
        yield sse(dict(base, choices=[], usage=full["usage"]))
    yield sse("[DONE]")


# --------------------------------------------------------------------------- responses


def response_object(model: str, answer: str, cap: int | None, effort: str | None,
                    status: str | None = None) -> dict[str, Any]:
    """A ``response`` object; ``status`` overrides for the in-progress copy a stream starts with."""
    rid = "resp_" + secrets.token_hex(25)
    now = int(time.time())
    output: list[dict[str, Any]] = []
    final_status, incomplete = "completed", None
    out_tokens, reasoning = COMPLETION_TOKENS, 0
    if answer == "ok":
        output = [_message_item([{"type": "output_text", "text": ANSWER_TEXT, "annotations": [], "logprobs": []}])]
    elif answer == "withheld":
        final_status, incomplete, out_tokens = "incomplete", {"reason": "content_filter"}, 0
        output = [_message_item([{"type": "refusal", "refusal": "This content can't be shown."}], "incomplete")]
    elif answer == "length":
        final_status, incomplete = "incomplete", {"reason": "max_output_tokens"}
        out_tokens = reasoning = cap or 16
        output = [{"id": "rs_" + secrets.token_hex(25), "type": "reasoning", "summary": []}]
    if status is not None:
        final_status, incomplete, output = status, None, []
    blank = answer == "blank"
    return {
        "id": rid,
        "object": "response",
        "created_at": now,
        "status": final_status,
        "background": False,
        "completed_at": now if final_status == "completed" else None,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": None,
        "max_output_tokens": cap,
        "max_tool_calls": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": effort, "summary": None},
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None if status is not None or blank else {
            "input_tokens": PROMPT_TOKENS,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": PROMPT_TOKENS + out_tokens,
        },
        "user": None,
        "metadata": {},
    }


def _message_item(content: list[dict[str, Any]], status: str = "completed") -> dict[str, Any]:
    return {"id": "msg_" + secrets.token_hex(25), "type": "message", "status": status, "role": "assistant",
            "content": content}


def responses_stream(model: str, answer: str, cap: int | None, effort: str | None) -> Iterator[bytes]:
    """The Responses event stream: response.created … response.output_text.delta … response.completed."""
    final = response_object(model, answer, cap, effort)
    start = dict(final, status="in_progress", incomplete_details=None, output=[], usage=None, completed_at=None)
    seq = 0

    def event(kind: str, **fields: Any) -> bytes:
        nonlocal seq
        body = {"type": kind, "sequence_number": seq, **fields}
        seq += 1
        return sse(body, kind)

    yield event("response.created", response=start)
    yield event("response.in_progress", response=start)
    for index, item in enumerate(final["output"]):
        if item["type"] != "message":
            yield event("response.output_item.added", output_index=index, item=item)
            yield event("response.output_item.done", output_index=index, item=item)
            continue
        yield event("response.output_item.added", output_index=index,
                    item=dict(item, status="in_progress", content=[]))
        for c_index, part in enumerate(item["content"]):
            if part["type"] == "output_text":
                empty = dict(part, text="")
                yield event("response.content_part.added", item_id=item["id"], output_index=index,
                            content_index=c_index, part=empty)
                yield event("response.output_text.delta", item_id=item["id"], output_index=index,
                            content_index=c_index, delta=part["text"], logprobs=[])
                yield event("response.output_text.done", item_id=item["id"], output_index=index,
                            content_index=c_index, text=part["text"], logprobs=[])
            else:
                yield event("response.content_part.added", item_id=item["id"], output_index=index,
                            content_index=c_index, part=dict(part, refusal=""))
                yield event("response.refusal.delta", item_id=item["id"], output_index=index,
                            content_index=c_index, delta=part["refusal"])
                yield event("response.refusal.done", item_id=item["id"], output_index=index,
                            content_index=c_index, refusal=part["refusal"])
            yield event("response.content_part.done", item_id=item["id"], output_index=index,
                        content_index=c_index, part=part)
        yield event("response.output_item.done", output_index=index, item=item)
    terminal = "response.completed" if final["status"] == "completed" else "response.incomplete"
    yield event(terminal, response=final)


# --------------------------------------------------------------------------- streams that go wrong


def chat_stream_broken(model: str, spec: StreamErrorSpec, values: Mapping[str, str], include_usage: bool) -> Iterator[bytes]:
    """A chat stream that sends ``spec.after`` and then ends badly: a finish reason (``spec.reason``), or
    ``data: {"error": {...}}`` followed by ``data: [DONE]``, as captured in sashabaranov/go-openai #396."""
    full = chat_completion(model, "ok", None)
    base = {"id": full["id"], "object": "chat.completion.chunk", "created": full["created"], "model": model,
            "service_tier": "default", "system_fingerprint": None}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = dict(base, choices=[{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}])
        if include_usage:
            body["usage"] = None
        return sse(body)

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    if spec.after:
        yield chunk({"content": spec.after})
    if spec.reason is not None:
        yield chunk({}, "content_filter" if spec.reason == "content_filter" else "length")
        if include_usage:
            yield sse(dict(base, choices=[], usage=full["usage"]))
    else:
        yield sse({"error": {"message": fill(spec.message, values), "type": spec.type, "param": spec.param,
                             "code": spec.code}})
    yield sse("[DONE]")


def responses_stream_broken(model: str, spec: StreamErrorSpec, values: Mapping[str, str], cap: int | None,
                            effort: str | None) -> Iterator[bytes]:
    """A Responses stream that sends ``spec.after`` and then ends badly: ``response.incomplete`` with
    ``incomplete_details.reason``, ``response.failed`` with ``response.error``, or ``event: error``
    with ``{"type": "error", "code", "message", "param"}`` (the shapes of openai-python's
    ResponseIncompleteEvent, ResponseFailedEvent and ResponseErrorEvent)."""
    final = response_object(model, "ok", cap, effort)
    start = dict(final, status="in_progress", incomplete_details=None, output=[], usage=None, completed_at=None)
    seq = 0

    def event(kind: str, **fields: Any) -> bytes:
        nonlocal seq
        body = {"type": kind, "sequence_number": seq, **fields}
        seq += 1
        return sse(body, kind)

    item = final["output"][0]
    yield event("response.created", response=start)
    yield event("response.in_progress", response=start)
    yield event("response.output_item.added", output_index=0, item=dict(item, status="in_progress", content=[]))
    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    yield event("response.content_part.added", item_id=item["id"], output_index=0, content_index=0, part=part)
    if spec.after:
        yield event("response.output_text.delta", item_id=item["id"], output_index=0, content_index=0,
                    delta=spec.after, logprobs=[])
    partial = dict(item, status="incomplete", content=[dict(part, text=spec.after)])
    message = fill(spec.message, values)
    if spec.reason is not None:
        yield event("response.incomplete", response=dict(final, status="incomplete", completed_at=None,
                                                         incomplete_details={"reason": spec.reason}, output=[partial]))
    elif spec.responses == "failed":
        yield event("response.failed", response=dict(final, status="failed", completed_at=None, output=[partial],
                                                     error={"code": spec.code or "server_error", "message": message}))
    else:
        yield event("error", code=spec.code, message=message, param=spec.param)


# --------------------------------------------------------------------------- edge pages


def cf_ray() -> str:
    """A Cloudflare ray id: 16 hex and a colo."""
    return secrets.token_hex(8) + "-SJC"


HTML_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""
"""The nginx-style page Cloudflare sends for a 502 (real capture, real-error-bodies.md 12c)."""


def html_403(ray: str) -> str:
    """Cloudflare's block page (trimmed; real title and headings, real-error-bodies.md 13)."""
    return f"""<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/cf.errors.css" />
</head>
<body>
  <div id="cf-wrapper">
    <div id="cf-error-details" class="cf-error-details-wrapper">
      <div class="cf-wrapper cf-header cf-error-overview">
        <h1 data-translate="block_headline">Sorry, you have been blocked</h1>
        <h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to access</span> api.openai.com</h2>
      </div>
      <div class="cf-section cf-wrapper">
        <div class="cf-columns two">
          <div class="cf-column">
            <h2 data-translate="blocked_why_headline">Why have I been blocked?</h2>
            <p data-translate="blocked_why_detail">This website is using a security service to protect itself from online attacks. The action you just performed triggered the security solution. There are several actions that could trigger this block including submitting a certain word or phrase, a SQL command or malformed data.</p>
          </div>
          <div class="cf-column">
            <h2 data-translate="blocked_resolve_headline">What can I do to resolve this?</h2>
            <p data-translate="blocked_resolve_detail">You can email the site owner to let them know you were blocked. Please include what you were doing when this page came up and the Cloudflare Ray ID found at the bottom of this page.</p>
          </div>
        </div>
      </div>
      <div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
        <p class="text-13">
          <span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">{ray.split('-')[0]}</strong></span>
          <span class="cf-footer-separator sm:hidden">&bull;</span>
          <span class="cf-footer-item sm:block sm:mb-1"><span>Performance &amp; security by</span> Cloudflare</span>
        </p>
      </div>
    </div>
  </div>
</body>
</html>
"""


def html_524(ray: str, host: str = "api.openai.com") -> str:
    """Cloudflare's 524 page (trimmed; title, headings and wording of the real template, real-error-bodies.md 12d)."""
    return f"""<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>{host} | 524: A timeout occurred</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
    <div id="cf-error-details" class="p-0">
        <header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
            <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
              <span class="inline-block">A timeout occurred</span>
              <span class="code-label">Error code 524</span>
            </h1>
            <div>
               Visit <a href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_524&utm_campaign={host}" target="_blank" rel="noopener noreferrer">cloudflare.com</a> for more information.
            </div>
        </header>
        <div class="w-240 lg:w-full mx-auto mb-8 lg:px-8">
            <div class="clearfix">
                <div class="w-1/2 md:w-full float-left pr-6 md:pb-10 md:pr-0 leading-relaxed">
                    <h2 class="text-3xl font-normal leading-1.3 mb-4">What happened?</h2>
                    <p>The origin web server timed out responding to this request.</p>
                </div>
            </div>
        </div>
        <div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
            <p class="text-13">
                <span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">{ray.split('-')[0]}</strong></span>
            </p>
        </div>
    </div>
</div>
</body>
</html>
"""


# --------------------------------------------------------------------------- a proxy's own pages

SQUID_VERSION = "squid/6.10"


def squid_page(error: str, title: str, url: str, text: str) -> str:
    """Squid's error page template (ERR_CACHE_ACCESS_DENIED for a 407, ERR_ACCESS_DENIED for a block), as quoted in
    oracle/oci-java-sdk#549 and m1k1o/neko#509 (docs/real-error-bodies.md section 22)."""
    url = html.escape(url, quote=True)  # the request's own target: never markup in our page
    return (
        "<!DOCTYPE html PUBLIC '-//W3C//DTD HTML 4.01//EN' 'http://www.w3.org/TR/html4/strict.dtd'>\n"
        "<html><head>\n<meta type='copyright' content='Copyright (C) 1996-2021 The Squid Software Foundation and contributors'>\n"
        "<meta http-equiv='Content-Type' content='text/html; charset=utf-8'>\n"
        f"<title>ERROR: {title}</title>\n<style type='text/css'></style>\n</head><body id={error}>\n"
        f"<div id='titles'>\n<h1>ERROR</h1>\n<h2>{title}.</h2>\n</div>\n<hr>\n\n<div id='content'>\n"
        f"<p>The following error was encountered while trying to retrieve the URL: <a href='{url}'>{url}</a></p>\n\n"
        f"<blockquote id='error'>\n<p><b>{title}.</b></p>\n</blockquote>\n\n<p>{text}</p>\n</div>\n\n<hr>\n"
        f"<div id='footer'>\n<p>Generated by sim-proxy ({SQUID_VERSION})</p>\n<!-- {error} -->\n</div>\n</body></html>\n"
    )


def squid_407(url: str) -> str:
    return squid_page("ERR_CACHE_ACCESS_DENIED", "Cache Access Denied", url,
                      f"Sorry, you are not currently allowed to request {html.escape(url, quote=True)} from this cache until you have "
                      "authenticated yourself.</p>\n<p>Please contact the cache administrator if you have difficulties "
                      "authenticating yourself.")


def squid_403(url: str) -> str:
    return squid_page("ERR_ACCESS_DENIED", "Access Denied", url,
                      "Access control configuration prevents your request from being allowed at this time. Please "
                      "contact your service provider if you feel this is incorrect.")
