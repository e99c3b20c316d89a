"""The state of an output folder: one SQLite file, one storage layer.

Modules::

    schema   the tables, their version (SCHEMA) and the named rows that go in and out
    prepare  prepare_file: a cleaned input file as ready-to-insert rows (on a worker)
    state    State: files, documents, line sets, verdicts and postings
    index    StoredDocuments / StoredIndex: the near-duplicate rule's view of the state

The store lays out what it is given: shingle sets and band keys come from
:mod:`cleaner.dedup`, never computed here, and no stage is imported.
"""
