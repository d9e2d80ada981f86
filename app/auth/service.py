"""API keys and browser sessions: creation, verification, revocation and the one-time login token.

A token is ``hub_<id>_<secret>``. The id is not secret: it names the one (:ApiKey) node to read,
so verifying is one indexed read plus one scrypt of the secret, compared in constant time. A
verified token is cached per process for ``auth_cache_ttl_s``; every request first reads the
revocation epoch from Redis (in the same round trip as the rate limit), and a changed epoch empties
the cache, so a revocation or rotation in any process is seen by every API worker on its next
request. Without Redis nothing is cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from neo4j import AsyncDriver, RoutingControl
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.auth.models import TOKEN_PATTERN, CreatedKey, KeyInfo, KeyRequest
from app.config import Settings
from app.core.cypher import query
from app.core.errors import InvalidInput, NotFound
from app.core.principal import Principal, Scope
from ingest.ids import project_id

SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32
SCRYPT_PARAMS = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P},len={SCRYPT_LEN}"
EPOCH_KEY = "hub:auth:epoch"
RATE_PREFIX = "hub:auth:rate:"
SESSION_COOKIE = "hub_session"

# One round trip per request: the revocation epoch and a sliding-window rate count (a sorted set
# of request timestamps per key). Returns {epoch, allowed (1/0), retry_after_ms}.
_GUARD_SCRIPT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local epoch = redis.call('GET', KEYS[1]) or '0'
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[2])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {epoch, 0, math.max(1, tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('PEXPIRE', KEYS[2], window)
return {epoch, 1, 0}
"""


def _now() -> datetime:
    return datetime.now(UTC)


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


def hash_secret(secret: str, salt: bytes) -> str:
    digest = hashlib.scrypt(
        secret.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_LEN, maxmem=64 * 2**20
    )
    return digest.hex()


def _new_secret() -> tuple[str, str, str]:
    """(secret, salt hex, hash hex) for a fresh key."""
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    return secret, salt.hex(), hash_secret(secret, salt)


def _info(props: dict[str, Any]) -> KeyInfo:
    return KeyInfo.model_validate({k: _native(v) for k, v in props.items() if k not in ("hash", "salt")})


async def create_key(driver: AsyncDriver, *, database: str, request: KeyRequest) -> CreatedKey:
    key_id = secrets.token_hex(8)
    secret, salt, digest = _new_secret()
    now = _now()
    records, _, _ = await driver.execute_query(
        query("auth/create_key"),
        id=key_id,
        name=request.name,
        kind=request.kind,
        prefix=f"hub_{key_id}_{secret[:4]}",
        hash=digest,
        salt=salt,
        params=SCRYPT_PARAMS,
        scopes=[str(s) for s in request.scopes],
        projects=request.projects,
        now=now,
        expiresAt=now + timedelta(seconds=request.ttl_s) if request.ttl_s else None,
        database_=database,
    )
    return CreatedKey(key=_info(records[0]["props"]), token=f"hub_{key_id}_{secret}")


async def list_keys(driver: AsyncDriver, *, database: str, with_sessions: bool = False) -> list[KeyInfo]:
    records, _, _ = await driver.execute_query(
        query("auth/list_keys"), withSessions=with_sessions, database_=database, routing_=RoutingControl.READ
    )
    return [_info(r["props"]) for r in records]


async def revoke_key(driver: AsyncDriver, redis: Redis | None, *, database: str, key_id: str) -> KeyInfo:
    records, _, _ = await driver.execute_query(
        query("auth/revoke_key"), id=key_id, now=_now(), database_=database
    )
    if not records:
        raise NotFound(f"no key {key_id!r}", hint="`hub token list` shows the ids")
    await bump_epoch(redis)
    return _info(records[0]["props"])


async def rotate_key(driver: AsyncDriver, redis: Redis | None, *, database: str, key_id: str) -> CreatedKey:
    secret, salt, digest = _new_secret()
    records, _, _ = await driver.execute_query(
        query("auth/rotate_key"), id=key_id, hash=digest, salt=salt, params=SCRYPT_PARAMS,
        prefix=f"hub_{key_id}_{secret[:4]}", now=_now(), database_=database,
    )  # fmt: skip
    if not records:
        raise NotFound(f"no live key {key_id!r}", hint="a revoked key cannot be rotated; create a new one")
    await bump_epoch(redis)
    return CreatedKey(key=_info(records[0]["props"]), token=f"hub_{key_id}_{secret}")


async def bump_epoch(redis: Redis | None) -> None:
    """Tell every API worker to drop its cached verifications (their next request re-reads keys)."""
    if redis is not None:
        await redis.incr(EPOCH_KEY)


def principal_from(props: dict[str, Any]) -> Principal:
    names = props.get("projects")
    return Principal(
        key_id=props["id"],
        name=props["name"],
        kind=props.get("kind", "key"),
        scopes=frozenset(Scope(s) for s in props["scopes"]),
        project_ids=None if names is None else frozenset(project_id(n) for n in names),
    )


@dataclass(slots=True)
class _Cached:
    principal: Principal
    digest: bytes  # sha256 of the whole token: a cache hit costs one hash, not one scrypt
    until: float
    epoch: bytes


class Guard:
    """Per-process verification with a short cache, the revocation epoch and rate limits."""

    def __init__(self, settings: Settings, driver: AsyncDriver, redis: Redis | None) -> None:
        self.settings = settings
        self.driver = driver
        self.redis = redis
        self._cache: dict[str, _Cached] = {}
        self._epoch: bytes | None = None
        self._touch_tasks: set[asyncio.Task[None]] = set()

    async def check(self, token: str) -> tuple[Principal | None, float | None]:
        """(principal or None when the token is not valid, retry-after seconds when rate-limited)."""
        match = TOKEN_PATTERN.match(token)
        if match is None:
            return None, None
        key_id, secret = match.groups()
        epoch, retry_after = await self._epoch_and_rate(key_id)
        if epoch is None:  # no Redis: no cache, every request is verified against the graph
            self._cache.clear()
        elif epoch != self._epoch:
            self._cache.clear()
            self._epoch = epoch
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._cache.get(key_id)
        if (
            cached is not None
            and cached.until > time.monotonic()
            and hmac.compare_digest(cached.digest, digest)
        ):
            principal: Principal | None = cached.principal
        else:
            principal = await self._verify(key_id, secret)
            if principal is not None and epoch is not None:
                until = time.monotonic() + self.settings.auth_cache_ttl_s
                self._cache[key_id] = _Cached(principal, digest, until, epoch)
        if principal is None:
            return None, None
        return principal, retry_after

    async def _epoch_and_rate(self, key_id: str) -> tuple[bytes | None, float | None]:
        if self.redis is None:
            return None, None
        window_ms = int(self.settings.rate_limit_window_s * 1000)
        now_ms = int(time.time() * 1000)
        try:
            epoch, allowed, retry_ms = await self.redis.eval(  # type: ignore[misc]
                _GUARD_SCRIPT, 2, EPOCH_KEY, RATE_PREFIX + key_id,
                now_ms, window_ms, self.settings.rate_limit_requests, f"{now_ms}-{secrets.token_hex(4)}",
            )  # fmt: skip
        except (RedisError, OSError):
            return None, None  # fail safe for revocation (no cache); rate limits need Redis
        return bytes(epoch) if not isinstance(epoch, bytes) else epoch, None if allowed else retry_ms / 1000

    async def _verify(self, key_id: str, secret: str) -> Principal | None:
        records, _, _ = await self.driver.execute_query(
            query("auth/key_by_id"), id=key_id, database_=self.settings.neo4j_database,
            routing_=RoutingControl.READ,
        )  # fmt: skip
        if not records:
            return None
        props = records[0]["props"]
        if props.get("revokedAt") is not None:
            return None
        expires = _native(props.get("expiresAt"))
        if expires is not None and expires <= _now():
            return None
        # scrypt is CPU work: off the event loop so other requests keep being served.
        computed = await asyncio.to_thread(hash_secret, secret, bytes.fromhex(props["salt"]))
        if not hmac.compare_digest(computed, props["hash"]):
            return None
        task = asyncio.create_task(self._touch(key_id))
        self._touch_tasks.add(task)
        task.add_done_callback(self._touch_tasks.discard)
        return principal_from(props)

    async def _touch(self, key_id: str) -> None:
        # lastUsedAt is informational: a failed write loses nothing.
        with contextlib.suppress(Exception):
            await self.driver.execute_query(
                query("auth/touch_key"), id=key_id, now=_now(), database_=self.settings.neo4j_database
            )


# -- the one-time login of the local admin -----------------------------------------------------
def login_token_file(settings: Settings) -> Path:
    return settings.home / "secrets" / "login-token"


def issue_login_token(settings: Settings) -> str:
    """A fresh one-time token (0600 file); the URL `hub serve` prints carries it."""
    path = login_token_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token)
    tmp.replace(path)
    return token


def redeem_login_token(settings: Settings, token: str) -> bool:
    """True once for the current token: the file is removed, so a second use (in any worker) fails."""
    path = login_token_file(settings)
    try:
        expected = path.read_text().strip()
    except OSError:
        return False
    if not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        return False
    try:
        path.unlink()  # atomic: of two workers redeeming at once, one unlink succeeds
    except FileNotFoundError:
        return False
    return True


async def open_session(driver: AsyncDriver, *, settings: Settings) -> CreatedKey:
    """A browser session of the local admin: a short-lived key whose token is the cookie."""
    request = KeyRequest(name="browser session", scopes=[Scope.ADMIN], kind="session",
                         ttl_s=settings.session_ttl_s)  # fmt: skip
    # Expired sessions are useless (verification refuses them): each login clears them out.
    await driver.execute_query(query("auth/prune_sessions"), now=_now(), database_=settings.neo4j_database)
    return await create_key(driver, database=settings.neo4j_database, request=request)


def parse_scopes(text: str) -> list[Scope]:
    try:
        return [Scope(s.strip()) for s in text.split(",") if s.strip()]
    except ValueError:
        raise InvalidInput(
            f"unknown scope in {text!r}", hint=f"scopes: {', '.join(s.value for s in Scope)}"
        ) from None


def authorize_rpc_method(principal: Principal | None, method: str) -> None:
    """A JSON-RPC method's rule (app/auth/scopes.RPC_RULES); unknown methods are denied."""
    from app.auth.scopes import RPC_RULES, check

    check(RPC_RULES.get(method), principal, what=f"rpc {method}")
