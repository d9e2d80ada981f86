// Files gone from the repo, with their symbols and every edge touching either.
UNWIND $fileIds AS fileId
MATCH (f:File {id: fileId})
OPTIONAL MATCH (s:Symbol {fileId: fileId})
DETACH DELETE s, f
