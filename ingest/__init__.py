"""``python -m ingest``: the catalog loader people expect at the top of the repository.

A thin entry point over ``chatrec ingest`` (the code lives in :mod:`chatrec.ingest`); it is not
installed with the package, which has the ``chatrec`` command instead.
"""
