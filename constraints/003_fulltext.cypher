// Full-text indexes behind search: ranked by Lucene score, one per searchable scope.
// symbol_search is eventually consistent: a cold ingest writes ~47k symbols of Django, and updating
// Lucene inside each write transaction cost ~2 of the server's ~11 CPU seconds (issue 13). Writers
// wait for it once at the end of an ingest or a watch delta (cypher/ingest/await_search_index.cypher),
// so a search after an ingest still sees every symbol. (An older index without the option is
// dropped first by app/core/migrations.py: options cannot be altered in place.)
CREATE FULLTEXT INDEX symbol_search IF NOT EXISTS FOR (n:Symbol) ON EACH [n.name, n.qualifiedName, n.signature]
  OPTIONS {indexConfig: {`fulltext.eventually_consistent`: true}};
CREATE FULLTEXT INDEX file_search IF NOT EXISTS FOR (n:File) ON EACH [n.path];
CREATE FULLTEXT INDEX task_search IF NOT EXISTS FOR (n:Task) ON EACH [n.title, n.description];
CREATE FULLTEXT INDEX service_search IF NOT EXISTS FOR (n:Service) ON EACH [n.name, n.type, n.endpoint];
CREATE FULLTEXT INDEX spec_item_search IF NOT EXISTS FOR (n:SpecItem) ON EACH [n.title, n.description];
