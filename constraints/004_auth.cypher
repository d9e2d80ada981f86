// Principals of the trust boundary (app/auth): API keys and browser sessions, looked up by id.
CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE;
