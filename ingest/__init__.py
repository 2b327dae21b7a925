"""Catalog loaders: CSV, JSONL and SQLite sources through a declared field mapping.

``python -m ingest`` and ``chatrec ingest`` run the same code; with no source they load the
default movie catalog (``bokeh-sampledata``'s films).
"""
