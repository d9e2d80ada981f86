// Full-text indexes behind search: ranked by Lucene score, one per searchable scope.
CREATE FULLTEXT INDEX symbol_search IF NOT EXISTS FOR (n:Symbol) ON EACH [n.name, n.qualifiedName, n.signature];
CREATE FULLTEXT INDEX file_search IF NOT EXISTS FOR (n:File) ON EACH [n.path];
CREATE FULLTEXT INDEX task_search IF NOT EXISTS FOR (n:Task) ON EACH [n.title, n.description];
CREATE FULLTEXT INDEX service_search IF NOT EXISTS FOR (n:Service) ON EACH [n.name, n.type, n.endpoint];
CREATE FULLTEXT INDEX spec_item_search IF NOT EXISTS FOR (n:SpecItem) ON EACH [n.title, n.description];
