// A changed file's symbols go (with all their edges, incoming ones too); its File node stays.
UNWIND $fileIds AS fileId
MATCH (s:Symbol {fileId: fileId})
DETACH DELETE s
