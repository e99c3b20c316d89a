"""The output folder and its state: one SQLite file, one storage layer, atomic files.

Modules::

    schema   the tables, their version (SCHEMA) and the named rows that go in and out
    prepare  prepare_docs, prepare_file: a cleaned input file as ready-to-insert rows
             (on a worker, in parts)
    state    State: files, documents, line sets, verdicts and postings
    index    StoredDocuments / StoredIndex: the near-duplicate rule's view of the state
    outdir   OutputFolder: the output folder's generations, lock and publishing
    manifest the manifest: what a run read, did and wrote (written last)
    output   atomic writes of the corpus, audit and manifest files

The store lays out what it is given: shingle sets and band keys come from
:mod:`cleaner.dedup`, never computed here, and no stage is imported.
"""
