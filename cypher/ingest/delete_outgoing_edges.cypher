// Outgoing resolved edges of files whose resolution changed: they are written again.
UNWIND $fileIds AS fileId
MATCH (f:File {id: fileId})
OPTIONAL MATCH (f)-[i:IMPORTS]->()
DELETE i
WITH DISTINCT fileId
MATCH (s:Symbol {fileId: fileId})-[r:CALLS|EXTENDS|IMPLEMENTS|TESTS]->()
DELETE r
