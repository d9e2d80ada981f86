// Symbol relationships touching the symbols of the given files, in both directions, with the
// file of the other end so the caller can fold it into whatever aggregate is visible, and how sure
// the resolution was (confidence, evidence: set on CALLS by the ingest).
UNWIND $fileIds AS fileId
MATCH (s:Symbol) WHERE s.fileId = fileId
CALL (s) {
  MATCH (s)-[rel:CALLS|EXTENDS|IMPLEMENTS|TESTS]->(t:Symbol)
  RETURN s.id AS src, s.fileId AS srcFile, t.id AS dst, t.fileId AS dstFile, type(rel) AS type,
         coalesce(rel.confidence, 1.0) AS confidence, rel.evidence AS evidence
  UNION ALL
  MATCH (t:Symbol)-[rel:CALLS|EXTENDS|IMPLEMENTS|TESTS]->(s)
  RETURN t.id AS src, t.fileId AS srcFile, s.id AS dst, s.fileId AS dstFile, type(rel) AS type,
         coalesce(rel.confidence, 1.0) AS confidence, rel.evidence AS evidence
}
RETURN DISTINCT src, srcFile, dst, dstFile, type, confidence, evidence
LIMIT $limit
