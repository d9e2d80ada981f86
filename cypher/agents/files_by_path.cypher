// File ids of a repository by relative path (to link findings to the code graph).
MATCH (f:File) WHERE f.repoId = $repoId AND f.path IN $paths
RETURN f.path AS path, f.id AS id
