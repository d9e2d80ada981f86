// Rebuilding the projection: remove up to $batch (:Event) nodes; returns how many went.
MATCH (e:Event)
WITH e LIMIT $batch
DETACH DELETE e
RETURN count(*) AS deleted
