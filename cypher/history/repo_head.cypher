// The newest commit already in the graph for this repo.
MATCH (r:Repo {id: $repoId})
RETURN r.historyHead AS head
