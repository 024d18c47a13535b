"""The hand-written async script bench/scale.py measures ``check`` against.

What a careful engineer would write for the same job with aiohttp: per org one ``GET /v1/models``
and one chat completion per model (the same body ``check`` sends: "Return ok.", a 16-token cap),
at most IN_FLIGHT requests at once over one connection pool, every body read and parsed.
No classification, no output beyond a count: the floor the real tool is held to.

    python bench/aiohttp_probes.py BASE_URL N_ORGS [IN_FLIGHT]

Needs aiohttp (``pip install -e '.[bench]'``); it is not a dependency of gpt56probe.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import _common

from gpt56probe.core.models import DEFAULT_TABLE

IN_FLIGHT = 64


async def run(base_url: str, n_orgs: int, in_flight: int) -> tuple[int, int]:
    import aiohttp

    gate = asyncio.Semaphore(in_flight)
    ok = failed = 0
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(method: str, path: str, org: str, body: dict[str, object] | None) -> None:
            nonlocal ok, failed
            headers = {"Authorization": f"Bearer {_common.FAKE_KEY}", "OpenAI-Organization": org}
            async with gate:
                try:
                    async with session.request(method, base_url + path, json=body, headers=headers) as response:
                        json.loads(await response.read())
                        ok += 1
                except (aiohttp.ClientError, ValueError):
                    failed += 1

        jobs = []
        for n in range(n_orgs):
            org = f"org-bench-scale-{n:04d}"
            jobs.append(one("GET", "/models", org, None))
            for spec in DEFAULT_TABLE.models:
                body = {"model": spec.id, "messages": [{"role": "user", "content": "Return ok."}], spec.chat_token_param: 16}
                if spec.reasoning_effort:
                    body["reasoning_effort"] = spec.reasoning_effort
                jobs.append(one("POST", "/chat/completions", org, body))
        await asyncio.gather(*jobs)
    return ok, failed


def main() -> int:
    base_url, n_orgs = sys.argv[1].rstrip("/"), int(sys.argv[2])
    in_flight = int(sys.argv[3]) if len(sys.argv) > 3 else IN_FLIGHT
    started = time.perf_counter()
    ok, failed = asyncio.run(run(base_url, n_orgs, in_flight))
    print(json.dumps({"ok": ok, "failed": failed, "wall_s": round(time.perf_counter() - started, 3)}))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
