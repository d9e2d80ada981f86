// Hubs silent for longer than $offlineMs are marked offline; those silent past $forgetMs are pruned.
CALL {
  MATCH (h:Hub)
  WHERE h.status <> 'offline' AND h.lastSeen < datetime() - duration({milliseconds: $offlineMs})
  SET h.status = 'offline'
  RETURN collect(h.id) AS offline
}
CALL {
  MATCH (h:Hub)
  WHERE h.lastSeen < datetime() - duration({milliseconds: $forgetMs})
  WITH collect(h) AS gone
  FOREACH (h IN gone | DETACH DELETE h)
  RETURN size(gone) AS pruned
}
RETURN offline, pruned
