"""A stand-in agent for the engine tests: a real NATS micro service process that appends the step
id to a file for each run (the side effect the tests count), sleeps ``sleep`` seconds, and answers
ERROR while the file holds fewer than ``fail_until`` lines for this step."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import nats

from app.agents.models import AgentRequest, AgentResult, Outcome
from app.agents.sdk import serve_agent


async def handle(request: AgentRequest) -> AgentResult:
    path = Path(str(request.params["file"]))
    with path.open("a") as handle:
        handle.write(f"{request.step_id}\n")
    runs = path.read_text().split().count(str(request.step_id))
    await asyncio.sleep(float(request.params.get("sleep", 0)))
    if runs < int(request.params.get("fail_until", 0)):
        return AgentResult(status=Outcome.ERROR, summary=f"failing on purpose (run {runs})")
    return AgentResult(status=Outcome.PASSED, summary=f"run {runs}", output={"runs": runs})


async def main(url: str, name: str) -> None:
    nc = await nats.connect(url)
    await serve_agent(nc, name=name, handler=handle)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(os.environ["COUNTER_AGENT_NATS_URL"], sys.argv[1]))
