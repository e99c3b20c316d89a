from typing_extensions import Buffer  # collections.abc.Buffer from Python 3.12

def leaves(
    x: Buffer,
    width: int,
    feature: Buffer,
    child: Buffer,
    threshold: Buffer,
    value: Buffer,
    roots: Buffer,
    depths: Buffer,
    out: Buffer,
    /,
) -> None: ...
