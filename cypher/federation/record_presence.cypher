// A presence heartbeat heard on hub.global.presence: upsert the hub in the registry.
MERGE (h:Hub {id: $hubId})
SET h.name = $name,
    h.version = $version,
    h.projects = $projects,
    h.services = $services,
    h.status = 'online',
    h.lastSeen = datetime(),
    h.lastEventId = $eventId
RETURN h.id AS id
