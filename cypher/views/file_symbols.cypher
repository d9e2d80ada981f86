// The symbols of the given files (an expanded file in the view), bounded per call.
UNWIND $fileIds AS fileId
MATCH (s:Symbol) WHERE s.fileId = fileId
RETURN s.id AS id, s.fileId AS fileId, s.kind AS kind, s.name AS name, s.qualifiedName AS qualifiedName,
       s.rangeStart AS rangeStart, s.communityId AS communityId
ORDER BY fileId, s.rangeStart
LIMIT $limit
