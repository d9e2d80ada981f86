"""One settings class for the whole hub, read from ``HUB_*`` environment variables and
``HUB_HOME/.env`` — never a ``.env`` in the current folder: a repository being ingested must not
be able to point the hub at another Neo4j and receive its password.

A dependency left unset (``neo4j_uri``, ``nats_url``, ``redis_url``) is the local one that
``hub up`` manages under ``HUB_HOME``; one that is set is external and never started here.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.errors import ConfigurationError

_PLACEHOLDERS = frozenset({"", "changeme", "change-me", "changethis", "password", "neo4j", "secret",
                           "example", "placeholder", "xxx", "todo"})  # fmt: skip
NATS_HUB_USER = "hub"  # the local NATS and Redis users of the hub itself (full access)
NATS_HOOKS_USER = "hooks"  # the git hooks: may only publish hub.<id>.code.pushed
REDIS_HUB_USER = "hub"
_MEMORY = re.compile(r"^\d+[kmg]$", re.IGNORECASE)


# The remediation action types (app/remediation/models.ActionType), for validating the settings.
REMEDIATION_ACTIONS = frozenset({"create_task", "trigger_audit", "run_workflow", "notify"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=None, extra="ignore")

    hub_id: str = Field(default="local", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    hub_name: str = "Local Hub"
    home: Path = Path("~/.commandcenter")
    runtime_cache: Path = Path("~/.cache/commandcenter")
    maven_settings: Path | None = None  # a settings.xml with a mirror, for machines behind one

    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_bolt_port: int = 7687
    neo4j_http_port: int = 7474
    neo4j_heap: str = "4g"
    neo4j_pagecache: str = "2g"
    neo4j_java_home: Path | None = None
    neo4j_query_timeout_s: float = 10.0

    nats_url: str | None = None
    nats_port: int = 4222
    # The URL the git hooks publish with when NATS is external (a user of that server allowed to
    # publish only code.pushed); a local NATS has its own restricted "hooks" user.
    nats_hooks_url: str | None = None
    redis_url: str | None = None
    redis_port: int = 6379

    # --- Event backbone (issue 5) ---
    events_stream: str = "HUB_EVENTS"  # one JetStream stream capturing hub.>
    events_max_age_s: float = 30 * 24 * 3600.0
    events_max_bytes: int = 10 * 1024**3
    events_max_msgs: int = -1
    events_duplicate_window_s: float = 120.0
    events_max_payload_bytes: int = 256 * 1024  # the encoded envelope; larger is a 413/422
    # Which process keeps the Neo4j (:Event) projection: the arq worker (default, off the API's
    # serving path), the API itself (a hub run without a worker), or none.
    events_projector: str = Field(default="worker", pattern=r"^(worker|api|off)$")
    # Routing rules (NATS wildcard patterns): this hub's subjects other hubs may receive, and the
    # other hubs' subjects this hub accepts. "{hub_id}" expands to this hub's id.
    events_export_subjects: list[str] = ["hub.{hub_id}.>", "hub.global.>"]
    events_import_subjects: list[str] = ["hub.global.>"]
    federation_nats_url: str | None = None  # a remote hub's NATS to bridge exported/imported events
    presence_interval_s: float = 5.0
    presence_offline_after_s: float = 30.0
    metrics_interval_s: float = 30.0
    health_interval_s: float = 15.0
    health_timeout_s: float = 3.0
    health_slow_ms: float = 1000.0
    health_down_after: int = 3  # consecutive failures
    health_sample_retention: int = 500  # HealthSample nodes kept per service
    # Durable JetStream consumers of the worker's handlers (issue 12): a failed delivery is
    # redelivered after these delays (the first one is also the ack wait), and after
    # ``events_handler_max_deliver`` deliveries it goes to hub.<id>.deadletter.<handler>.
    events_handler_backoff_s: list[float] = Field(default=[10.0, 30.0, 60.0, 120.0], min_length=1)
    events_handler_max_deliver: int = Field(default=5, ge=2, le=100)
    # --- end event backbone ---

    # Folders whose repositories a code.pushed event may name before they are in the graph
    # (a JSON list); otherwise a push is ingested only for a Repo already ingested.
    ingest_roots: list[Path] = []
    # The worker keeps the repositories it ingested in memory (LRU) so that a push of a few files is
    # applied as a delta; bounded by the lines of code held (Django's package, 162k lines: ~35 MB).
    ingest_resident_lines: int = Field(default=1_000_000, ge=0)

    # --- Workflows (issue 14): state in JetStream KV buckets, step tasks on a work-queue stream ---
    # A task not acknowledged (nor marked in progress) within ack_wait is redelivered to another
    # worker: the time a SIGKILLed worker's step waits before it resumes elsewhere.
    workflow_ack_wait_s: float = Field(default=30.0, ge=1.0, le=3600.0)
    workflow_max_deliver: int = Field(default=50, ge=2, le=1000)
    workflow_concurrency: int = Field(default=64, ge=1, le=1024)  # steps one worker runs at once
    workflow_default_timeout_s: float = Field(default=600.0, gt=0, le=86400.0)
    workflow_task_dedupe_s: float = Field(default=3600.0, ge=60.0)  # a task published twice runs once
    # Tests only: SIGKILL the worker at a named point of a named step ("<point>:<step id>").
    workflow_fault: str | None = None
    # Predictive intelligence (issue 15): the worker predicts every N minutes (a divisor of 60)
    # and retrains every project's model once a week (0 = Monday, at 03:00 UTC).
    predict_interval_min: int = Field(default=15, ge=1, le=60)
    predict_retrain_weekday: int = Field(default=6, ge=0, le=6)
    # The cron scores the written-back features and recomputes them (GDS + history queries, the
    # slow part) only when they are older than this; an ingest refreshes them at once anyway.
    predict_refresh_after_s: float = Field(default=6 * 3600.0, ge=0)
    # Remediation (issue 15, app/remediation): a prediction at or above min_probability gets one
    # action (the knowledge loop's recommendation, else the model type's default); it executes at
    # once when the prediction's confidence reaches the action type's threshold, else it waits for
    # a person. Unanswered approvals escalate after escalate_after_s. Shadow mode: entries
    # "<project name>:<action>" with "*" for any, e.g. ["*:run_workflow", "veria:*"].
    remediation_min_probability: float = Field(default=0.7, ge=0.0, le=1.0)
    remediation_max_per_run: int = Field(default=20, ge=0, le=10_000)  # per project and model run
    remediation_auto_confidence: dict[str, float] = {
        "create_task": 0.9, "trigger_audit": 0.9, "run_workflow": 0.95, "notify": 0.5,
    }  # fmt: skip
    remediation_default_actions: dict[str, str] = {
        "file_defect_risk": "create_task", "service_failure_risk": "notify",
    }  # fmt: skip
    remediation_shadow: list[str] = []
    remediation_escalate_after_s: float = Field(default=24 * 3600.0, gt=0)
    remediation_workflow: str = "ci-pipeline"  # what run_workflow starts
    # A run_workflow action's run must settle this long after the approval (the settle cron then
    # marks it executed / failed); a run still going after it: the action fails.
    remediation_workflow_timeout_s: float = Field(default=900.0, gt=0)
    remediation_audit_kind: str = "code-review"  # what trigger_audit asks for
    # Knowledge loop: an action's outcome is judged this long after it ran (a file: no fix commit
    # since; a service: healthy again), and recommendations vote among the k nearest experiences.
    remediation_outcome_delay_s: float = Field(default=7 * 86400.0, ge=0)
    remediation_neighbours: int = Field(default=15, ge=1, le=1000)

    # GraphiQL (behind the login) only in development; `make run` sets HUB_ENV=development.
    environment: Literal["development", "production"] = Field(
        default="development", validation_alias=AliasChoices("HUB_ENV", "HUB_ENVIRONMENT", "environment")
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Worker processes of `hub serve`: graph responses are CPU-bound Python, so one per core
    # serves concurrent clients in parallel (each keeps its own caches and connections).
    api_workers: int = Field(default=1, ge=1, le=64)
    startup_timeout_s: float = 90.0

    # --- Trust boundary (issue 12, app/auth) ---
    allowed_hosts: list[str] = []  # Host names besides 127.0.0.1/localhost/[::1] (DNS rebinding)
    metrics_public: bool = False  # /metrics without a credential
    auth_cache_ttl_s: float = Field(default=30.0, ge=0, le=600)  # revocation is seen at once anyway
    session_ttl_s: float = Field(default=12 * 3600.0, gt=0)  # the browser login
    rate_limit_requests: int = Field(default=6000, ge=1)  # per key (or session) and window
    rate_limit_window_s: float = Field(default=60.0, gt=0)
    # --- end trust boundary ---

    @field_validator("remediation_auto_confidence", "remediation_default_actions", "remediation_shadow")
    @classmethod
    def _remediation_actions(cls, value: Any, info: ValidationInfo) -> Any:
        """Action types named in the remediation settings must exist (a typo would silently
        execute, or never shadow, the action meant)."""
        if info.field_name == "remediation_default_actions":
            named = list(value.values())
        elif info.field_name == "remediation_shadow":
            named = [entry.partition(":")[2] or "*" for entry in value]
        else:
            named = list(value)
        unknown = sorted(set(named) - REMEDIATION_ACTIONS - {"*"})
        if unknown:
            raise ValueError(f"unknown remediation action(s) {unknown}; known: {sorted(REMEDIATION_ACTIONS)}")
        thresholds = value.values() if info.field_name == "remediation_auto_confidence" else ()
        if any(not 0 <= v <= 1.01 for v in thresholds):
            raise ValueError("thresholds are confidences in [0, 1] (above 1: never automatic)")
        return value

    @field_validator("home", "runtime_cache", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("ingest_roots", mode="after")
    @classmethod
    def _absolute_roots(cls, value: list[Path]) -> list[Path]:
        if any(not root.expanduser().is_absolute() for root in value):
            raise ValueError("HUB_INGEST_ROOTS lists absolute folders")
        return [root.expanduser().resolve() for root in value]

    @model_validator(mode="after")
    def _backoff_fits_max_deliver(self) -> Settings:
        # nats-server refuses a consumer whose backoff list is not shorter than max_deliver.
        if len(self.events_handler_backoff_s) >= self.events_handler_max_deliver:
            raise ValueError(
                "HUB_EVENTS_HANDLER_BACKOFF_S must be shorter than HUB_EVENTS_HANDLER_MAX_DELIVER"
            )
        return self

    @field_validator("neo4j_heap", "neo4j_pagecache")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        if not _MEMORY.match(value):
            raise ValueError("memory sizes look like 512m or 4g")
        return value.lower()

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        """Outside development a configured secret must be a real one."""
        if self.environment != "development" and self.neo4j_password is not None:
            value = self.neo4j_password.get_secret_value()
            if value.strip().lower() in _PLACEHOLDERS:
                raise ValueError("HUB_NEO4J_PASSWORD is empty or a placeholder; set a real secret")
        return self

    # Where each dependency is, local or external.
    @property
    def neo4j_managed(self) -> bool:
        return self.neo4j_uri is None

    @property
    def nats_managed(self) -> bool:
        return self.nats_url is None

    @property
    def redis_managed(self) -> bool:
        return self.redis_url is None

    @property
    def neo4j_bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.neo4j_bolt_port}"

    @property
    def nats_server_url(self) -> str:
        """What the hub's clients connect to: an external URL as configured; the local server
        with the hub user's generated password (never print it: ``redact_url``)."""
        if self.nats_url:
            return self.nats_url
        return _with_credentials(f"nats://127.0.0.1:{self.nats_port}", NATS_HUB_USER,
                                 self.nats_password_file(NATS_HUB_USER))  # fmt: skip

    @property
    def nats_hooks_server_url(self) -> str:
        """What the git hooks publish with: a user that may only publish ``code.pushed``."""
        if self.nats_hooks_url:
            return self.nats_hooks_url
        if self.nats_url:
            return self.nats_url
        return _with_credentials(f"nats://127.0.0.1:{self.nats_port}", NATS_HOOKS_USER,
                                 self.nats_password_file(NATS_HOOKS_USER))  # fmt: skip

    @property
    def redis_server_url(self) -> str:
        if self.redis_url:
            return self.redis_url
        return _with_credentials(f"redis://127.0.0.1:{self.redis_port}/0", REDIS_HUB_USER,
                                 self.redis_password_file)  # fmt: skip

    # Secrets of the local runtime (created by ``hub up``: app/runtime/secrets.py), all 0600.
    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    def nats_password_file(self, user: str) -> Path:
        return self.secrets_dir / f"nats-{user}-password"

    @property
    def redis_password_file(self) -> Path:
        return self.secrets_dir / "redis-password"

    @property
    def browser_url(self) -> str:
        return (
            f"http://127.0.0.1:{self.neo4j_http_port}/browser/"
            f"?dbms=bolt://127.0.0.1:{self.neo4j_bolt_port}&preselectAuthMethod=NATIVE"
        )

    @property
    def password_file(self) -> Path:
        return self.secrets_dir / "neo4j-password"

    def neo4j_auth(self) -> tuple[str, str]:
        """The configured password, else the one generated on the local runtime's first start."""
        if self.neo4j_password is not None:
            return self.neo4j_user, self.neo4j_password.get_secret_value()
        if self.password_file.exists():
            return self.neo4j_user, self.password_file.read_text().strip()
        raise ConfigurationError(
            f"no Neo4j password: set HUB_NEO4J_PASSWORD, or run `hub up` to create the local one "
            f"in {self.password_file}"
        )


def _with_credentials(url: str, user: str, password_file: Path) -> str:
    """``url`` with the user and the password read from its file; without them while the file
    does not exist yet (the server then refuses the connection, which says "run hub up")."""
    try:
        password = password_file.read_text().strip()
    except FileNotFoundError:
        return url
    parts = urlsplit(url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.netloc}"
    return urlunsplit(parts._replace(netloc=netloc))


def redact_url(url: str) -> str:
    """A URL fit for messages and status output: any password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def home_env_file() -> Path:
    """``HUB_HOME/.env``: the one settings file read besides the environment."""
    return Path(os.environ.get("HUB_HOME", "~/.commandcenter")).expanduser() / ".env"


@lru_cache
def get_settings() -> Settings:
    env_file = home_env_file()
    return Settings(_env_file=env_file if env_file.is_file() else None)  # type: ignore[call-arg]
