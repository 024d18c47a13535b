"""The hand-written alternative to `check`: the official openai SDK, asyncio.gather, the same probes.

What a user would write to probe N orgs x M models at once: one AsyncOpenAI per org, one chat
completion per model ("Return ok.", max_completion_tokens 16, the model's lowest reasoning
effort), all gathered. Prints "<ok> <total>". Run by bench/sdk_compare.py:

    python bench/sdk_probes.py BASE_URL ORG[,ORG...] MODEL=EFFORT[,MODEL=EFFORT...]
"""

from __future__ import annotations

import asyncio
import os
import sys

from openai import AsyncOpenAI


async def probe(client: AsyncOpenAI, model: str, effort: str) -> bool:
    try:
        completion = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Return ok."}], max_completion_tokens=16,
            reasoning_effort=effort)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a probe that fails is counted, not raised
        return False
    return completion.choices[0].message.content == "ok"


async def main(base_url: str, orgs: list[str], models: list[tuple[str, str]]) -> None:
    clients = [AsyncOpenAI(api_key=os.environ["OPENAI_API_KEY"], organization=org, base_url=base_url) for org in orgs]
    results = await asyncio.gather(*(probe(client, model, effort) for client in clients for model, effort in models))
    for client in clients:
        await client.close()
    print(sum(results), len(results))


if __name__ == "__main__":
    url, org_arg, model_arg = sys.argv[1:4]
    pairs = [tuple(item.split("=", 1)) for item in model_arg.split(",")]
    asyncio.run(main(url, org_arg.split(","), [(m, e) for m, e in pairs]))
