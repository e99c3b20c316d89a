"""A run, read top to bottom: plan, tasks, the corpus run, and the commands beside it.

Modules::

    plan     where a run starts from: update the state or rebuild, and why
    tasks    the typed task records an executor runs: count a file, clean a file
    corpus   clean_corpus: the run over a folder (rebuild, update, up to date)
    recount  corpus-repeat: the line counts of every input and what crossed min_repeats
    commit   writing a generation and switching the output folder to it
    report   Report: what a run did
    check    check_files: judge raw files against a corpus, writing nothing
    explain  explain_file: one file's page, each removed line with its rule
    stream   clean_records / stream_corpus: cleaning one record at a time
    sync     sync_corpus: a run that says which output files changed
"""
