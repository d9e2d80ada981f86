"""API keys and what the CLI and the login step show of them (never a hash)."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from app.core.principal import Scope

# hub_<16 hex id>_<secret>: the id is not secret and names the one node to read.
TOKEN_PATTERN = re.compile(r"^hub_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
KEY_ID_PATTERN = r"^[0-9a-f]{16}$"
PROJECT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"


class KeyRequest(BaseModel):
    """What `hub token create` asks for; validated before anything is written."""

    name: str = Field(default="api key", min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1)
    projects: list[str] | None = None  # None: every project
    kind: str = Field(default="key", pattern=r"^(key|session)$")
    ttl_s: float | None = Field(default=None, gt=0)

    @field_validator("projects")
    @classmethod
    def _names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        bad = [name for name in value if not re.match(PROJECT_NAME_PATTERN, name)]
        if bad or not value:
            raise ValueError(f"project names look like my-project (got {bad or value})")
        return sorted(set(value))


class KeyInfo(BaseModel):
    id: str
    name: str
    kind: str
    prefix: str
    scopes: list[str]
    projects: list[str] | None = None
    createdAt: datetime
    revokedAt: datetime | None = None
    lastUsedAt: datetime | None = None
    expiresAt: datetime | None = None


class CreatedKey(BaseModel):
    """The one time the secret is shown."""

    key: KeyInfo
    token: str
