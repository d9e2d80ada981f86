// The knowledge loop's record per action: experiences, judged, successes, and how the recommended ones did.
MATCH (e:Experience)
RETURN e.action AS action, count(e) AS experiences, count(e.success) AS judged,
       sum(CASE WHEN e.success THEN 1 ELSE 0 END) AS successes,
       sum(CASE WHEN e.recommended AND e.success IS NOT NULL THEN 1 ELSE 0 END) AS recommendedJudged,
       sum(CASE WHEN e.recommended AND e.success THEN 1 ELSE 0 END) AS recommendedSucceeded
ORDER BY action
