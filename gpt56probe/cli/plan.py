"""``plan`` (routing config from a fresh check) and ``cost`` (price arithmetic from the models table).

Also the dry-run listing ``check --dry-run`` prints, which lives here so check.py stays small.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

import click

from gpt56probe.cli.common import Choices, OneLineUsageCommand, connection_options, deliver, format_option, validate_output_file
from gpt56probe.cli.options import complete_orgs, credential_options, validate_ids, validate_orgs
from gpt56probe.cli.terminal import say

EXIT_NOTHING_REACHABLE = 2
def _tokens(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    from gpt56probe.core.cost import TokenAmountError, parse_tokens

    if value is None:
        return None
    try:
        return parse_tokens(value)
    except TokenAmountError as exc:
        raise click.BadParameter(str(exc)) from None


def _prices(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """``--price terra=2.5/15`` (repeatable) -> {"terra": (2.5, 15.0)}: dollars per 1M input/output tokens."""
    import math

    prices: dict[str, tuple[float, float]] = {}
    for item in value:
        name, sep, pair = item.partition("=")
        inp, slash, out = pair.partition("/")
        try:
            numbers = (float(inp), float(out)) if sep and slash else None
        except ValueError:
            numbers = None
        if numbers is None or not all(math.isfinite(n) and n >= 0 for n in numbers):
            raise click.BadParameter(f"{item!r}: use TIER=INPUT/OUTPUT in dollars per 1M tokens, e.g. terra=2.5/15")
        prices[name.strip().lower()] = numbers
    if prices:
        from gpt56probe.cli.auth import get_config

        table = get_config(ctx).table
        for name in prices:
            if name not in table.tier_names and table.get(name) is None:
                raise click.BadParameter(f"{name!r} is no tier or model of the table ({', '.join(table.tier_names)}, "
                                         f"{', '.join(m.id for m in table.fallbacks)})")
    return prices


def _cost_tiers(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """--tier for cost: a tier of the configured family, or ``fallback``."""
    from gpt56probe.cli.options import family_tiers

    known = (*family_tiers(ctx), "fallback")
    for name in value:
        if name.lower() not in known:
            from gpt56probe.core.names import typo_of

            guess = typo_of(name.lower(), known)
            from gpt56probe.cli.common import refusal

            raise click.BadParameter(refusal(f"unknown tier {name!r}", guess, f"Use {', '.join(known)}"))
    return tuple(v.lower() for v in value)


@click.command(cls=OneLineUsageCommand)
@click.option("--input", "input_tokens", required=True, callback=_tokens, metavar="N", help="Input tokens: 2000, 500K, 10M, 1.5M.")
@click.option("--output", "output_tokens", required=True, callback=_tokens, metavar="N", help="Output tokens: 2000, 500K, 2M.")
@click.option("--tier", "tiers", multiple=True, metavar="TIER", callback=_cost_tiers, help="Only this tier (repeatable; 'fallback' = the fallback models). [default: every model]")
@click.option("--price", "prices", multiple=True, metavar="TIER=IN/OUT", callback=_prices,
              help="Price a tier (or a model id) at IN/OUT dollars per 1M tokens for this run, e.g. --price terra=2.5/15 (repeatable).")
@format_option()
def cost(input_tokens: int, output_tokens: int, tiers: tuple[str, ...], prices: dict[str, tuple[float, float]], fmt: str) -> None:
    """What a workload costs on each tier, from the models table's prices.

    cost = input Mtok x input price + output Mtok x output price. Models with no
    published price (the fallbacks) show "price not published". The prices are
    the models table's (the config file's [models.TIER] input_price and
    output_price, or the built-in ones) and the line under the table says the
    date they were read: published prices moved twice within weeks of launch,
    so check them and override with --price or the config file.

    \b
    Examples:
      gpt56probe cost --input 10M --output 2M     # Sol $110, Terra $55, Luna $22
      gpt56probe cost --input 10M --output 2M --price terra=2/12
    """
    from dataclasses import replace

    from gpt56probe.core.cost import cost_doc, cost_rows, format_usd, price_note

    from gpt56probe.cli.auth import get_config

    cfg = get_config()
    table = cfg.table
    wanted = set(tiers)
    models = []
    for m in table:
        if wanted and m.tier not in wanted:
            continue
        given = prices.get(m.tier) if m.tier in table.tier_names else None
        given = prices.get(m.id, given)
        models.append(replace(m, input_price=given[0], output_price=given[1]) if given else m)
    rows = cost_rows(models, input_tokens, output_tokens)
    overridden = {"--price": sorted(prices), "config": sorted(cfg.prices_overridden)}
    note = price_note(table.family, overridden)
    if fmt == "json":
        from gpt56probe.views.render import render_json

        doc = cost_doc(rows)
        doc.update(family=table.family.name, prices_read=table.family.prices_read, prices_source=table.family.source,
                   overridden={k: v for k, v in overridden.items() if v})
        click.echo(render_json(doc))
        return
    from gpt56probe.cli.terminal import screen_width
    from gpt56probe.views.tables import render

    def price(p: float | None) -> str:
        return "-" if p is None else f"${p:.2f}"

    table_rows = [[r.tier, r.model, price(r.input_price), price(r.output_price), format_usd(r.cost_usd)] for r in rows]
    headers = ["tier", "model", "input $/1M", "output $/1M", f"cost of {input_tokens:,} in + {output_tokens:,} out"]
    from gpt56probe.cli.terminal import say, screen_width
    from gpt56probe.views.tables import render

    click.echo(render(table_rows, headers, fmt, screen_width()))
    say(f"\nnote: {note}")


@click.command()
@click.option("--org", metavar="ORG", shell_complete=complete_orgs, callback=validate_orgs, help="API organization id to plan for. [default: the key's default org]")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", callback=validate_ids, help="Project id, sent as OpenAI-Project [env OPENAI_PROJECT_ID].")
@click.option("--emit", type=Choices(["python", "typescript", "json"]), default="python", show_default=True, help="Config language.")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False, writable=True), metavar="FILE", callback=validate_output_file, help="Write the config here instead of stdout.")
@click.option("--from-eval", "from_eval", type=click.Path(dir_okay=False, path_type=Path), metavar="RESULTS",
              help="Route each role to the model an eval recommended (eval's results JSON) instead of probing now.")
@credential_options
@connection_options
def plan(org: str | None, project: str | None, emit: str, output_path: str | None, from_eval: Path | None, api_key_env: str | None,
         no_keyring: bool, base_url: str | None, proxy: str | None, timeout: float, deadline: float, concurrency: int | None,
         verbose: bool) -> None:
    """Probe an org now and emit a routing config: the model per role and its fallbacks.

    Roles: hard -> Sol, balanced -> Terra, cheap -> Luna, each falling back to
    gpt-5.5 then gpt-5.4-mini, keeping only what this org reached. A model behind
    a safety check (safety_check) still serves its role, with Luna first among
    its fallbacks as the faster retry path. The header says when, where and for
    which org it was probed, and which roles a fallback serves.

    With python or typescript the file is also the router on the official SDK:
    route(input, role) tries the role's chain with a timeout and retry budget
    per tier, falls back for access failures, timeouts and server errors,
    retries a safety check on Luna, raises on an invalid key or request, and
    appends one line per call to the tier-served log (`gpt56probe served`).

    \b
    Examples:
      gpt56probe plan --org org-abc --emit python -o routing_config.py
      gpt56probe plan --org org-abc --emit typescript -o routing.ts
      gpt56probe plan --from-eval results.json --emit python -o routing_config.py

    \b
    Exit status: 0 a config was written; 2 nothing is reachable for the org
    (the config says so: every role is null); 1 the check could not be made.
    """
    if from_eval is not None:
        plan_from_results(from_eval, emit, output_path)
        return
    from gpt56probe.core import routing
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.store.credentials import NoKeyError, resolve_key
    from gpt56probe.core.discovery import DISCOVER_SUBSTITUTES, substitutes
    from gpt56probe.core.observation import listings_of
    from gpt56probe.net.probe import DEFAULT_BASE_URL

    from gpt56probe.cli.auth import get_config

    table = get_config().table  # the configured ids ([models.<tier>] id, GPT56PROBE_MODEL_<TIER>)
    try:
        resolved = resolve_key(org, api_key_env=api_key_env, no_keyring=no_keyring)
    except NoKeyError as exc:
        raise click.ClickException(str(exc)) from None
    tracer = (lambda line: say(f"trace: {line}", err=True)) if verbose else None
    url = base_url or DEFAULT_BASE_URL
    request = CheckRequest(
        orgs=[OrgCredential(org, resolved.key, project, resolved.source)], models=table.models, table=table,
        surface="chat", base_url=url, proxy=proxy, timeout_s=timeout, deadline_s=deadline, concurrency=concurrency, tracer=tracer,
        discover=DISCOVER_SUBSTITUTES,
    )
    outcome = perform_check(request)
    listed = next((listing.ids for listing in listings_of(outcome.observations) if listing.ids is not None), None)
    result = routing.build_plan(outcome.diagnoses, table, org, url, outcome.checked_at, "chat", substitutes(listed, table))
    if emit == "json":
        text = routing.render(result, emit)
    else:  # the config and the router on the official SDK, in one module
        from gpt56probe.migrate.router import render_router

        text = render_router(result, table, emit)
    # a routing config is meant to be committed and read: 0644
    deliver(text, output_path, wrote=f"wrote {output_path} ({emit})")
    for r in result.routes:
        tail = f" (instead of {r.preferred})" if r.served_by_fallback else ""
        tail += f" (listed in place of {r.preferred}, which this org does not list)" if r.served_by_listed_id else ""
        tail += " [degraded: safety checks]" if r.degraded else ""
        say(f"{r.role}: {r.model or 'nothing reachable'}{tail}", err=True)
    if not result.reachable:
        say(f"nothing is reachable for {org or 'the default org'}: run `gpt56probe check` to see why", err=True)
        sys.exit(EXIT_NOTHING_REACHABLE)


def plan_from_results(path: Path, emit: str, output_path: str | None) -> None:
    """``plan --from-eval``: each role on the model the eval recommended for its class, nothing probed."""
    from gpt56probe.cli.auth import get_config
    from gpt56probe.cli.evalcmd import read_doc
    from gpt56probe.core import routing
    from gpt56probe.migrate.evalplan import plan_from_eval

    result, others = plan_from_eval(read_doc(path), get_config().table, str(path))
    text = routing.render(result, emit)
    deliver(text, output_path, wrote=f"wrote {output_path} ({emit}, from {path})", error=click.ClickException)
    for r in result.routes:
        say(f"{r.role}: {r.model or 'nothing'}" + (f" then {', '.join(r.fallbacks)}" if r.fallbacks else ""), err=True)
    for line in others:
        say(line, err=True)
    if not result.reachable:
        say(f"the eval in {path} recommends nothing for any role", err=True)
        sys.exit(EXIT_NOTHING_REACHABLE)


def dry_run_text(orgs: Sequence[str | None], models: Sequence[Any], surface: str, stream: bool, base_url: str, fmt: str) -> str:
    """What ``check --dry-run`` prints: every probe it would send and its most possible cost."""
    from gpt56probe.core.cost import PROBE_INPUT_TOKENS_MAX, PROBE_OUTPUT_TOKENS_MAX, dry_run_probes, format_usd, listing_requests

    probes = dry_run_probes(orgs, models, surface, stream, base_url)
    listings = listing_requests(orgs, base_url)
    total = sum(p.max_cost_usd for p in probes if p.max_cost_usd is not None)
    unpriced = sorted({p.model for p in probes if p.max_cost_usd is None})
    if fmt == "json":
        from gpt56probe.views.render import render_json

        return render_json({
            "dry_run": True,
            "probes": [p.doc() for p in probes],
            "listings": [{"org": org, "request": request, "max_cost_usd": 0} for org, request in listings],
            "assumed_tokens_per_probe": {"input": PROBE_INPUT_TOKENS_MAX, "output": PROBE_OUTPUT_TOKENS_MAX},
            "max_cost_usd": round(total, 8),
            "unpriced_models": unpriced,
        })
    from gpt56probe.cli.terminal import screen_width
    from gpt56probe.views.tables import render, with_notes

    rows = [[p.org or "(default)", p.tier, p.model, p.surface_label, " then ".join(p.endpoints), format_usd(p.max_cost_usd)] for p in probes]
    shown_as = "table" if fmt in ("summary", "nagios") else fmt  # the probe list has no summary or status line of its own
    text = render(rows, ["org", "tier", "model", "surface", "requests", "max cost"], shown_as, screen_width())
    notes = [
        f"dry run: nothing was sent; {len(probes)} probe(s) would be made",
        f"besides them, one free {listings[0][1] if listings else 'GET /v1/models'} per org and key "
        f"({len(listings)} request(s)) lists what the org can see, sent at the same time as the samples",
        f"max cost assumes one answered request per probe of at most {PROBE_INPUT_TOKENS_MAX} input and "
        f"{PROBE_OUTPUT_TOKENS_MAX} output tokens (the cap); rejected or retried requests are not billed",
        f"most the probes could cost: {format_usd(total)}" + (f" plus {', '.join(unpriced)} (price not published)" if unpriced else ""),
    ]
    return with_notes(text, notes, screen_width())
