// Wait until the eventually consistent full-text indexes (symbol_search) hold every committed write:
// the end of an ingest or a watch delta, so what was written is searchable when the writer returns.
CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()
