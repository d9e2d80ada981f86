// Classes with more than $maxMethods methods.
MATCH (c:Class {repoId: $repoId})
WITH c, COUNT { (c)-[:HAS_MEMBER]->(:Method) } AS methods
WHERE methods > $maxMethods
RETURN c.qualifiedName + ' has ' + toString(methods) + ' methods (god class)' AS message,
       c.path AS path, c.rangeStart AS line
ORDER BY methods DESC LIMIT $limit
