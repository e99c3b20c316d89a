"""Run the fuzz targets for longer than CI does.

    python -m tests.fuzz [SECONDS]                  # hypothesis, all targets (default 300 s)
    python -m tests.fuzz --atheris TARGET [ARGS]    # coverage-guided, needs `pip install atheris`

TARGET is one of: decode, read_file, read_stream, parse_record, boilerplate. Extra
ARGS go to libFuzzer (for example ``-max_total_time=600 corpus_dir``). Neither mode
runs in CI; CI runs the time-boxed hypothesis tests in ``test_fuzz.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile


def _atheris(target: str, argv: list[str]) -> None:
    import atheris  # local tool only; not a project dependency

    with atheris.instrument_imports():
        from tests.fuzz import targets

    def one(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        if target == "read_file":
            name = targets.NAMES[fdp.ConsumeIntInRange(0, len(targets.NAMES) - 1)]
            targets.fuzz_read_file(fdp.ConsumeBytes(fdp.remaining_bytes()), name)
        elif target in ("parse_record", "boilerplate"):
            text = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
            getattr(targets, f"fuzz_{target}")(text)
        else:
            getattr(targets, f"fuzz_{target}")(data)

    atheris.Setup([sys.argv[0], *argv], one)
    atheris.Fuzz()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--atheris"] and len(argv) > 1:
        _atheris(argv[1], argv[2:])
        return 0
    import pytest

    seconds = argv[0] if argv else "300"
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        os.environ["CLEANER_FUZZ_SECONDS"] = seconds
        os.environ["CLEANER_FUZZ_REPORT"] = report.name
        code = pytest.main(["-q", "-m", "fuzz", "-p", "no:cacheprovider",
                            os.path.dirname(__file__)])  # fmt: skip
        sys.stderr.write("cases tried:\n" + report.read())
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
