from typing_extensions import Buffer  # collections.abc.Buffer from Python 3.12

def page_columns(
    lines: Buffer,
    width: int,
    removed: Buffer,
    blank: Buffer,
    block: Buffer,
    x: Buffer,
    xwidth: int,
    at: int,
    logs: Buffer,
    /,
) -> bool: ...
def smooth_columns(p: Buffer, words: Buffer, block: Buffer, out: Buffer, /) -> bool: ...
