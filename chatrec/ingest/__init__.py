"""Loading catalogs into the store: sources (CSV, JSONL, SQLite), the default movie catalog,
the idempotent ingest pipeline, and ReDial dialogues."""
