// Symbols of a changed file whose properties or kind changed, in place: their edges stay. The
// labels come from the pipeline's fixed allow-list, passed as parameters (``drop``: labels to remove).
UNWIND $rows AS row
MATCH (s:Symbol {id: row.props.id})
REMOVE s:$(row.drop)
SET s:$(row.labels)
SET s = row.props
