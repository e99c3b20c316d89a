"""py3langid's model, loaded when this module is imported (about half a CPU-second: it is
unpacked from the wheel's compressed file).

A module of its own so that a local run's forkserver can import it once before it forks
the workers (:attr:`~cleaner.stage.Stage.preload`), instead of each worker loading it.
"""

from __future__ import annotations

from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier

IDENTIFIER: Any = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
