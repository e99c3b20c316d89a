"""Adapters for other pipelines; each is an optional extra, imported only when asked for.

- :mod:`cleaner.integrations.datatrove`: :class:`CleanerStep`, a datatrove
  ``PipelineStep`` (extra ``[datatrove]``);
- :mod:`cleaner.integrations.hf`: :func:`clean_batch` for Hugging Face
  ``Dataset.map(batched=True)`` (extra ``[hf]``).
"""
