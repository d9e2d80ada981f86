// What the graph holds for each file of a repo: the incremental diff starts from this.
MATCH (f:File {repoId: $repoId})
RETURN f.path AS path, f.id AS id, f.hash AS hash, f.edgesHash AS edgesHash
