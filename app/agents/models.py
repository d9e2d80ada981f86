"""Agents: who can do a step's work, how to reach them, and what they send back."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"


class AgentType(StrEnum):
    RULE_BASED = "rule_based"
    API_TOOL = "api_tool"
    LLM = "llm"
    HUMAN = "human"


class AgentRegistration(BaseModel):
    """What `hub agent register` / POST /api/agents send. ``endpoint`` is ``nats:<service name>``
    (a NATS micro service, see ``app.agents.sdk``) or an http(s) URL answering POST with JSON."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN)
    type: AgentType = AgentType.API_TOOL
    capabilities: list[str] = Field(default_factory=list, max_length=50)
    endpoint: str = Field(min_length=1, max_length=500)
    active: bool = True
    description: str | None = Field(default=None, max_length=2000)
    # Sent to the agent with each request (e.g. an API token); stored encrypted, never returned.
    credentials: dict[str, str] | None = None


class Agent(BaseModel):
    """An agent as the API shows it: never its credentials, only whether it has some."""

    id: str
    name: str
    type: AgentType
    capabilities: list[str]
    endpoint: str
    active: bool
    builtin: bool = False
    description: str | None = None
    has_credentials: bool = False


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # the agent did its work and the verdict is negative (findings, red tests)
    ERROR = "error"  # the agent could not do its work (crash, timeout): worth a retry


class Finding(BaseModel):
    rule: str
    severity: str = "medium"
    message: str
    path: str | None = None  # relative to the repository root
    line: int | None = None


class AgentRequest(BaseModel):
    """What an agent receives: the step's ``with`` parameters and what the workflow knows."""

    agent: str
    params: dict[str, Any] = Field(default_factory=dict)
    event: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    steps: dict[str, Any] = Field(default_factory=dict)
    execution_id: str | None = None
    step_id: str | None = None
    correlation_id: str | None = None
    credentials: dict[str, str] | None = Field(default=None, exclude=True)


class AgentResult(BaseModel):
    status: Outcome
    summary: str = ""
    output: dict[str, Any] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    audit_kind: str | None = None  # set by agents whose result is recorded as an (:Audit)
    target_id: str | None = None  # the File/Symbol/Project the audit is about


# --- negotiation: one agent hands a sub-task to another ------------------------------------------
CAPABILITY_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
CONTEXT_KEY_PATTERN = r"^hub:negotiate:ctx:[0-9a-f]{32}$"


class NegotiationRequest(BaseModel):
    """Sent on ``agent.negotiate.<capability>``: the sub-task's own parameters, and the key of
    the shared context in Redis (the data itself never travels in the message)."""

    model_config = ConfigDict(extra="forbid")
    capability: str = Field(pattern=CAPABILITY_PATTERN)
    requester: str = Field(pattern=NAME_PATTERN)
    context_key: str = Field(pattern=CONTEXT_KEY_PATTERN)
    task: dict[str, Any] = Field(default_factory=dict)
    deadline_ms: int = Field(ge=1, le=3_600_000)
    correlation_id: str | None = Field(default=None, max_length=128)


class NegotiationResponse(BaseModel):
    """The answer: the responder's verdict, or why it refused (``error``)."""

    model_config = ConfigDict(extra="forbid")
    responder: str
    result: AgentResult | None = None
    error: str | None = None
