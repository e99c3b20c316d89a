def ascii_line(
    text: str,
    classes: bytes,
    flags: dict[str, int],
    vocab: dict[str, float] | None,
    /,
) -> tuple[int, int, int, int, int, int, int, int, int, int, tuple[float, float, float, float]]: ...
