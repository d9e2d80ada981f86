"""The trust boundary: principals (API keys, browser sessions), scopes and the request guard."""
