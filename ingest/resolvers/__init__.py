"""Per-language import resolution: one ``resolve_file(resolver, parsed_file) -> ImportResult`` each."""
