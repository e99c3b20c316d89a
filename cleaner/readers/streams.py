"""Byte streams for the readers: a hashing reader and transparent decompression.

The sha256 and size of an input are those of its bytes as stored (compressed, for a
``.jsonl.gz``), taken while the file is read once, so a streamed file is never held
in memory whole and its manifest entry is still exact.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from typing import IO, Any

CHUNK = 1 << 20  # 1 MiB reads: few system calls, little memory
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
COMPRESSED_SUFFIXES = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}


class HashingReader(io.RawIOBase):
    """A read-only stream that hashes and counts every byte read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        # read1 returns what a pipe holds, where read would wait for a whole buffer
        self._read = getattr(raw, "read1", raw.read)
        self._ahead = b""  # bytes read by head() that no read has taken yet
        self.hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def head(self, n: int) -> bytes:
        """The first ``n`` bytes (fewer only at the end of the input), read ahead and
        handed out again by the next reads: a pipe may deliver them one at a time, where
        a buffered reader's ``peek`` returns what came first."""
        while len(self._ahead) < n and (data := self._read(n - len(self._ahead))):
            self._ahead += data
        return self._ahead[:n]

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._ahead:
            data, self._ahead = self._ahead[: len(buffer)], self._ahead[len(buffer) :]
        else:
            data = self._read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.hash.update(data)
        self.size += n
        return n

    def drain(self) -> None:
        """Read (and hash) whatever is left, so that sha256 and size cover the whole input."""
        data, self._ahead = self._ahead or self._raw.read(CHUNK), b""
        while data:
            self.hash.update(data)
            self.size += len(data)
            data = self._raw.read(CHUNK)

    @property
    def sha256(self) -> str:
        return self.hash.hexdigest()


def sniff_compression(head: bytes) -> str | None:
    """``"gzip"``, ``"zstd"`` or None, from the first bytes of a stream.

    >>> sniff_compression(b"\\x1f\\x8b\\x08\\x00"), sniff_compression(b'{"text": 1}')
    ('gzip', None)
    """
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


def decompressed(
    raw: io.BufferedIOBase,
    compression: str | None,
    read: Callable[[], int] | None = None,
    trailing: Callable[[], None] | None = None,
) -> io.BufferedIOBase:
    """A buffered reader of ``raw``'s content, decompressed when ``compression`` says so.

    With ``read`` (how many compressed bytes have been read so far), a stream that
    expands more than :data:`BOMB_RATIO` times past :data:`BOMB_BYTES` raises
    :class:`Bomb`. Bytes after a gzip stream's last whole member that start no other
    end its content, as ``gzip -d`` passes them over, and ``trailing`` is called (see
    :class:`GzipMembers`). Raises :class:`ModuleNotFoundError` for zstd when
    ``zstandard`` is not installed.
    """
    content: io.RawIOBase
    if compression == "gzip":
        import gzip

        content = GzipMembers(gzip.GzipFile(fileobj=raw, mode="rb"), trailing)
    elif compression == "zstd":
        content = ZstdFrames(raw)
    else:
        return raw
    return io.BufferedReader(content if read is None else Guarded(content, read), CHUNK)


class GzipMembers(io.RawIOBase):
    """A gzip stream's content as ``gzip -d`` reads it: bytes after its last whole member
    that open no other member (a tool's trailing junk: the members before them were
    read whole, their checksums held) end the content, and ``trailing`` is called once,
    where :class:`gzip.GzipFile` raises at them and the content read would be lost. A
    member damaged or cut short still raises."""

    def __init__(self, content: io.BufferedIOBase, trailing: Callable[[], None] | None) -> None:
        self._content = content
        self._trailing = trailing
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        import gzip

        if self._ended:
            return 0
        try:
            return self._content.readinto1(buffer)
        except gzip.BadGzipFile as e:
            if not str(e).startswith("Not a gzipped file"):  # no member starts there
                raise
            self._ended = True
            if self._trailing is not None:
                self._trailing()
            return 0


# Text compresses 3 to 10 times with gzip, a JSONL file of repeated fields some 20:
# a stream that gives 200 times what it read, past 64 MiB, is a decompression bomb
# (a small file that expands to gigabytes of one record or of blank lines), which
# would fill the memory, the disk (its audit) or hours of CPU before it ended.
BOMB_RATIO = 200
BOMB_BYTES = 64 << 20


class Bomb(ValueError):
    """A compressed stream that expands past :data:`BOMB_RATIO` times its size."""


class Guarded(io.RawIOBase):
    """A decompressed stream that raises :class:`Bomb` once it has given more than
    :data:`BOMB_BYTES` and more than :data:`BOMB_RATIO` times the compressed bytes
    read (``read()``)."""

    def __init__(self, content: io.RawIOBase, read: Callable[[], int]) -> None:
        self._content = content
        self._read = read
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        # one read of the content at a time, as a reader of it alone would do: a
        # damaged stream then keeps the records before the damage
        n = self._content.readinto(buffer) or 0
        self.given += n
        if self.given > BOMB_BYTES and self.given > BOMB_RATIO * max(self._read(), 1):
            raise Bomb(
                f"it expands more than {BOMB_RATIO} times, {self.given >> 20:,} MiB from "
                f"{self._read() >> 10:,} KiB so far: a decompression bomb, not a corpus"
            )
        return n


class ZstdFrames(io.RawIOBase):
    """The content of zstd frames one after another, as ``zstd -d`` reads them.

    A stream that ends inside a frame raises :class:`EOFError`, as gzip's does; zstandard's
    ``stream_reader`` takes that for the end and hands back part of the text in silence.
    The compressed bytes go to the decompressor a few KiB at a time, so that a small
    input that expands hugely (a zstd block of one repeated byte) costs bounded memory.

    Raises :class:`ModuleNotFoundError` when ``zstandard`` is not installed.
    """

    PIECE = 512  # compressed bytes per call: at most 16 MiB out (a block expands 32768x at most)

    def __init__(self, raw: io.BufferedIOBase) -> None:
        import zstandard

        self._raw = raw
        self._zstd = zstandard.ZstdDecompressor()
        self._frame: Any = None  # the decompressor of the frame being read, if any
        self._input = b""  # compressed bytes read from raw
        self._at = 0  # how many of them the decompressor has taken
        self._output = memoryview(b"")  # decompressed bytes not yet handed out

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._output:
            if self._at == len(self._input):
                self._input, self._at = self._raw.read(CHUNK), 0
                if not self._input:
                    if self._frame is not None:
                        raise EOFError("the file ends inside a zstd frame: it was cut short")
                    return 0
            if self._frame is None:
                self._frame = self._zstd.decompressobj()
            piece = self._input[self._at : self._at + self.PIECE]
            self._at += len(piece)
            self._output = memoryview(self._frame.decompress(piece))
            if self._frame.eof:  # the frame is whole; what follows it starts the next one
                self._at -= len(self._frame.unused_data)
                self._frame = None
        n = min(len(buffer), len(self._output))
        buffer[:n] = self._output[:n]
        self._output = self._output[n:]
        return n


def read_lines(stream: io.BufferedIOBase, limit: int) -> Iterator[tuple[bytes, bool]]:
    """Yield (line, whole) for each line of ``stream``, never holding more than ``limit`` bytes.

    A line longer than ``limit`` is read through to its end and yielded as its first
    ``limit`` bytes with ``whole=False``, so one huge line costs time, not memory.
    """
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, True
            continue
        head = line[:limit]
        while line and not line.endswith(b"\n"):
            line = stream.readline(CHUNK)
        yield head, False
