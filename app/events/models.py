"""The event envelope (CloudEvents 1.0 + origin, correlation, causation, trace) and subject rules.

Subjects are NATS subjects: ``hub.<hub_id>.<domain>.<action>`` for a hub's own events and
``hub.global.<topic>[...]`` for the federation-wide ones. A *pattern* may use NATS wildcards
(``*`` one token, ``>`` the rest, last token only); a published subject may not.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.core.errors import InvalidInput
from ingest.ids import project_id

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
MAX_SUBJECT_LENGTH = 256


def check_subject(subject: str) -> str:
    """A concrete subject to publish on; raises InvalidInput naming what is wrong."""
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidInput(f"subject must be 1..{MAX_SUBJECT_LENGTH} characters")
    tokens = subject.split(".")
    if any(token in {"*", ">"} or "*" in token or ">" in token for token in tokens):
        raise InvalidInput(f"wildcards are not allowed when publishing: {subject!r}")
    if not all(_TOKEN.match(token) for token in tokens):
        raise InvalidInput(f"subject tokens are letters, digits, '_' or '-': {subject!r}")
    if tokens[0] != "hub":
        raise InvalidInput(f"subjects start with 'hub.': {subject!r}")
    minimum = 3 if len(tokens) > 1 and tokens[1] == "global" else 4
    if len(tokens) < minimum:
        raise InvalidInput(
            f"subject {subject!r} is too short",
            hint="hub.<hub_id>.<domain>.<action> or hub.global.<topic>",
        )
    return subject


def check_pattern(pattern: str) -> str:
    """A subject pattern for subscribe/query/replay (NATS wildcard semantics)."""
    if not pattern or len(pattern) > MAX_SUBJECT_LENGTH:
        raise InvalidInput(f"subject pattern must be 1..{MAX_SUBJECT_LENGTH} characters")
    parts = pattern.split(".")
    for index, part in enumerate(parts):
        if part == ">" and index != len(parts) - 1:
            raise InvalidInput(f"'>' may only be the last part: {pattern!r}")
        if part not in {"*", ">"} and not _TOKEN.match(part):
            raise InvalidInput(f"bad token {part!r} in subject pattern {pattern!r}")
    if parts[0] not in {"hub", "*", ">"}:
        raise InvalidInput(f"event subjects start with 'hub.': {pattern!r}")
    return pattern


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS matching: ``*`` one part, ``>`` one or more trailing parts."""
    pattern_tokens = pattern.split(".")
    subject_tokens = subject.split(".")
    for index, part in enumerate(pattern_tokens):
        if part == ">":
            return len(subject_tokens) > index
        if index >= len(subject_tokens) or (part != "*" and part != subject_tokens[index]):
            return False
    return len(subject_tokens) == len(pattern_tokens)


def new_event_id() -> str:
    return secrets.token_hex(16)  # 128 random bits, as uuid4 but a third of the cost


def default_type(subject: str) -> str:
    """``hub.local.project.created`` → ``hub.project.created`` (the type does not name the hub)."""
    parts = subject.split(".")
    return "hub." + ".".join(parts[2:] if parts[1] != "global" else parts[1:])


# JetStream sequences are unsigned 64-bit; a larger cursor is a 422, not a 500 (found by the fuzz).
MAX_STREAM_SEQ = 2**63 - 1


class Origin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hub_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    service: str = Field(default="hub", max_length=128)
    user: str | None = Field(default=None, max_length=256)


class Event(BaseModel):
    """One event as stored in JetStream. ``id`` is also the ``Nats-Msg-Id`` header."""

    model_config = ConfigDict(extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=new_event_id, pattern=_ID.pattern)
    source: str = Field(min_length=1, max_length=512)
    type: str = Field(min_length=1, max_length=256)
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    origin: Origin
    correlationid: str = Field(default_factory=new_event_id, pattern=_ID.pattern)
    causationid: str | None = Field(default=None, pattern=_ID.pattern)
    traceparent: str | None = Field(default=None, pattern=_TRACEPARENT.pattern)
    data: Any = None

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        try:
            return check_subject(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None


class StoredEvent(Event):
    """An event read back from the stream, with its stream sequence (the cursor unit)."""

    seq: int | None = None


class PublishRequest(BaseModel):
    """What a client sends: the hub fills in id, source, time, origin and correlation."""

    model_config = ConfigDict(extra="forbid")

    subject: str
    data: Any = None
    type: str | None = Field(default=None, max_length=256)
    id: str | None = Field(default=None, pattern=_ID.pattern)  # give one to make retries idempotent
    correlationid: str | None = Field(default=None, pattern=_ID.pattern)
    causationid: str | None = Field(default=None, pattern=_ID.pattern)
    user: str | None = Field(default=None, max_length=256)


class PublishAck(BaseModel):
    id: str
    subject: str
    seq: int
    duplicate: bool = False
    correlationid: str


class EventQuery(BaseModel):
    subject: str = "hub.>"
    since: datetime | None = None
    until: datetime | None = None
    correlation_id: str | None = Field(default=None, pattern=_ID.pattern)
    limit: int = Field(default=100, ge=1, le=10_000)
    # the last seq seen; the page starts after it
    cursor: int | None = Field(default=None, ge=0, le=MAX_STREAM_SEQ)

    @field_validator("subject")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            return check_pattern(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None


class EventPage(BaseModel):
    events: list[StoredEvent]
    next_cursor: int | None  # pass back as ``cursor`` for the next page; None when exhausted
    source: Literal["stream", "projection"] = "stream"


# --- Event data that reaches processes (issue 12) ---------------------------------------------
# A value that ends up on a git command line or in a file path is checked here, at the edge,
# and again where it is used (the worker's handler and its arq job).
COMMIT_ID = r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$"  # a full SHA-1 or SHA-256 id; zeros = no commit
_COMMIT_ID = re.compile(COMMIT_ID)
_REF = re.compile(r"^(?!-)[A-Za-z0-9._/@+-]{1,256}$")


def null_commit(commit_id: str | None) -> bool:
    return commit_id is None or set(commit_id) == {"0"}


_RAW_PROJECT_ID = re.compile(r"^[0-9a-f]{32}$")


def event_project_ids(data: Any) -> frozenset[str]:
    """The projects an event is about, as raw ids: its data's ``project_id``/``projectId`` and
    the id of the project it names (``project``: ids are a hash of the name). Empty for an
    estate-wide event (presence, health, metrics, workflows, dead letters)."""
    if not isinstance(data, dict):
        return frozenset()
    found: set[str] = set()
    for key in ("project_id", "projectId"):
        value = data.get(key)
        if isinstance(value, str) and _RAW_PROJECT_ID.match(value):
            found.add(value)
    name = data.get("project")
    if isinstance(name, str) and name:
        found.add(project_id(name))
    return frozenset(found)


def visible_to(event: Event, projects: frozenset[str] | None) -> bool:
    """Whether a caller limited to ``projects`` (None: every project) may see the event. A
    limited caller sees only events about one of its projects; estate-wide events are hidden
    from it, since they may describe other projects' work."""
    return projects is None or not event_project_ids(event.data).isdisjoint(projects)


def check_repo_path(value: str) -> str:
    """An absolute, normalised folder path: no ``..``, no NUL, no leading ``-`` anywhere."""
    if not value or len(value) > 4096 or "\x00" in value or "\n" in value:
        raise ValueError("repo must be an absolute path of at most 4096 characters")
    if not value.startswith("/"):
        raise ValueError(f"repo must be an absolute path: {value!r}")
    if ".." in value.split("/"):
        raise ValueError(f"repo may not contain '..': {value!r}")
    return value.rstrip("/") or "/"


class CodePushedData(BaseModel):
    """The data of ``hub.<id>.code.pushed`` (what ``scripts/git-hooks/post-commit`` sends).

    ``before``/``after`` are full commit ids (40 or 64 hex digits; all zeros for "no commit"):
    never a ref or an option, so nothing here can become a git flag."""

    model_config = ConfigDict(extra="forbid")

    repo: str
    project: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")
    before: str | None = None
    after: str | None = None
    ref: str | None = None

    @field_validator("repo")
    @classmethod
    def _repo(cls, value: str) -> str:
        return check_repo_path(value)

    @field_validator("before", "after")
    @classmethod
    def _commit_id(cls, value: str | None) -> str | None:
        if value is not None and not _COMMIT_ID.match(value):
            raise ValueError(
                f"must be a full commit id (40 or 64 lower-case hex digits; zeros for none): {value!r}"
            )
        return value

    @field_validator("ref")
    @classmethod
    def _ref(cls, value: str | None) -> str | None:
        if value is not None and (not _REF.match(value) or ".." in value):
            raise ValueError(f"ref must be a git ref name such as refs/heads/main: {value!r}")
        return value


# The data model of each event type whose data the hub acts on, keyed by ``default_type``.
EVENT_DATA_MODELS: dict[str, type[BaseModel]] = {"hub.code.pushed": CodePushedData}


def check_event_data(subject: str, data: Any) -> None:
    """Raise InvalidInput when the data of a known event type does not fit its model."""
    model = EVENT_DATA_MODELS.get(default_type(subject))
    if model is None:
        return
    try:
        model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise InvalidInput(f"{subject}: invalid data: {problems}") from None


# --- JSON-RPC ``graph.query``: the read queries a caller may run, each with its parameters ------
_ENTITY_ID = r"^[A-Za-z0-9:._-]{1,128}$"


class _QueryParams(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NoParams(_QueryParams):
    pass


class ListParams(_QueryParams):
    limit: int = Field(default=100, ge=1, le=1000)


class HubListParams(ListParams):
    includeOffline: bool = False  # the Cypher parameter's name


class PageParams(ListParams):
    offset: int = Field(default=0, ge=0, le=10_000)


class EntityIdParams(_QueryParams):
    id: str = Field(pattern=_ENTITY_ID)


# Only bounded reads that create nothing (no GDS projection, no writes); anything else is refused
# before it reaches Neo4j, which also runs these in a READ transaction.
RPC_READ_QUERIES: dict[str, type[_QueryParams]] = {
    "federation/list_hubs": HubListParams,
    "health/list_services": ListParams,
    "views/project_summaries": ListParams,
    "graph/projects": PageParams,
    "graph/project_repos": EntityIdParams,
    "graph/node_by_id": EntityIdParams,
    "events/count": NoParams,
}
