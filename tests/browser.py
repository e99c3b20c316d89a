"""Headless Chromium for the tests that look at a page as a person would.

:func:`dump_dom` returns the page's DOM after its scripts ran, :func:`screenshot`
writes a PNG of it. Chromium runs in a process group of its own with a fresh profile,
and whatever of that group is still running when it returns is killed and waited for,
so no browser process outlives a call. :func:`parse` turns the DOM into a small tree
to look things up in.

Run as ``python -m tests.browser PAGE PNG`` to write a screenshot (``make screenshot``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from tests.processes import in_group, kill_left, table, wait_gone

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--virtual-time-budget=20000",  # let the page's scripts run before the dump or shot
)
TIMEOUT = 180  # seconds: a hung browser fails the test instead of hanging the suite


def chromium() -> str | None:
    """Debian's chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(page: Path, *args: str) -> str:
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="cleaner-chromium-") as profile:
        command = [exe, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()]
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own group: every helper it starts can be found
        )
        try:
            out, _ = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        finally:  # the group, and any helper that left it but names the profile
            left = in_group(proc.pid) + [p for p in table().values() if profile in p.command()]
            kill_left(left)
            wait_gone(left, timeout=30)
        if proc.returncode != 0:
            raise RuntimeError(f"chromium exited {proc.returncode} on {page}")
    return out.decode("utf-8", "replace")


def dump_dom(page: Path) -> str:
    """The page's DOM as HTML, after its scripts ran."""
    return _run(page, "--dump-dom")


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 1600) -> None:
    """A PNG of the top ``height`` pixels of the page."""
    _run(page, f"--window-size={width},{height}", f"--screenshot={png.resolve()}")
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot of {page}")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """The elements under this one (itself included) with that tag, class and attributes."""
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
