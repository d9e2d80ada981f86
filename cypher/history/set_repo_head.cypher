MATCH (r:Repo {id: $repoId})
SET r.historyHead = $head
