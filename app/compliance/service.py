"""Audits: the record of a request for an agent to review something, and the request itself.

``request_audit`` is the one way to ask for an audit; GraphQL's ``triggerAudit`` calls it, and so
can any domain (through this module) that wants an agent to look at a node.
"""

from __future__ import annotations

import logging
import uuid

from neo4j import AsyncDriver

from app.compliance.models import AuditKind, AuditRequest
from app.config import Settings
from app.core.db import run_named
from app.core.values import utc_now
from app.events.service import EventService
from app.graph.service import Entity, entity_record, get_node

log = logging.getLogger(__name__)


def audit_subject(settings: Settings) -> str:
    """The subject agents follow for audit requests (the kind is in the data)."""
    return f"hub.{settings.hub_id}.audit.requested"


async def request_audit(
    *, driver: AsyncDriver, settings: Settings, events: EventService | None, target_id: str, kind: AuditKind
) -> AuditRequest:
    """A pending Audit about the target, and a request for an agent as an event.

    The request is ``hub.<id>.audit.requested`` published through the event service: stored in
    JetStream (an agent that starts later still finds it; a retry is stored once: the event id
    is derived from the Audit's), carrying the correlation id of the request that asked for it.
    The Audit is the record of the request: it is created even when NATS is unreachable, and
    ``published`` says whether the request went out (an agent can also pick up pending Audits).
    """
    target = await get_node(driver=driver, settings=settings, node_id=target_id)
    kind = AuditKind(kind)
    rows = await run_named(
        driver,
        "compliance/create_audit",
        database=settings.neo4j_database,
        timeout_s=settings.neo4j_query_timeout_s,
        write=True,
        targetElementId=target.element_id,
        id=uuid.uuid4().hex,
        kind=kind.value,
        targetId=target.id,
        now=utc_now(),
    )
    audit = entity_record(Entity.AUDIT, rows[0])
    subject = audit_subject(settings)
    payload = {
        "auditId": audit.id,
        "kind": kind.value,
        "targetId": target.id,
        "targetEntity": target.entity.value,
        "hubId": settings.hub_id,
        "requestedAt": audit.props.get("createdAt"),
    }
    published = False
    if events is not None and events.connected:
        try:
            await events.publish(events.event(subject, payload, id=f"audit-{audit.id}"))
            published = True
        except Exception as error:  # any transport failure: the Audit stays pending
            log.warning("audit %s not published on %s: %s", audit.id, subject, error)
    return AuditRequest(audit=audit, published=published, subject=subject)
