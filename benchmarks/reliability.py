"""The reliability checks at the large size, one line per figure: ``python -m benchmarks.reliability``."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def _fuzz(scale: float, progress: bool) -> tuple[int, int]:
    """Every fuzz strategy of the test suite; return (inputs tried, refused)."""
    from hypothesis import strategies as st
    from tests.reliability import _fuzz as fuzz
    from tests.reliability._scale import SIZES, size

    from skillmeat_profiles._codec import dump_toml

    outcomes: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        counter = itertools.count()

        def on_disk(item: fuzz.FuzzInput) -> fuzz.LoadResult:
            root = Path(folder, str(next(counter)))
            return fuzz.check_file(root, item.data)

        runs = [
            ("text", st.text(), fuzz.check_text, "fuzz_text"),
            (
                "bytes",
                fuzz.raw_files(),
                lambda item: fuzz.check_text(
                    item.data.decode("utf-8", "surrogateescape")
                ),
                "fuzz_bytes",
            ),
            (
                "documents",
                fuzz.toml_documents(),
                lambda doc: fuzz.check_text(dump_toml(doc)),
                "fuzz_documents",
            ),
            (
                "structured",
                fuzz.toml_documents(),
                fuzz.check_document,
                "fuzz_documents",
            ),
            (
                "mutations",
                fuzz.mutated_files(),
                lambda item: fuzz.check_text(
                    item.data.decode("utf-8", "surrogateescape")
                ),
                "fuzz_mutations",
            ),
            (
                "on disk + validate",
                fuzz.mutated_files() | fuzz.raw_files(),
                on_disk,
                "fuzz_on_disk",
            ),
        ]
        for name, strategy, check, key in runs:
            started = time.perf_counter()
            counts = fuzz.run_examples(strategy, check, size(SIZES[key], scale))
            outcomes.update(counts)
            if progress:
                print(
                    f"  fuzz {name}: {sum(counts.values())} inputs "
                    f"({counts['refused']} refused) in {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                )
    return sum(outcomes.values()), outcomes["refused"]


def _atheris(argv: list[str]) -> int:
    """Coverage-guided fuzzing of the loader with atheris (installed separately)."""
    import importlib

    from skillmeat_profiles import ProfilesError, Project, from_toml

    try:
        atheris = importlib.import_module("atheris")
    except ImportError:
        print("atheris is not installed: pip install atheris", file=sys.stderr)
        return 2

    def one(data: bytes) -> None:
        # Any input: a valid project or a ProfilesError; anything else is a
        # crash that atheris reports with the input that caused it.
        with contextlib.suppress(ProfilesError):
            from_toml(data.decode("utf-8", "surrogateescape"), Project)

    atheris.instrument_all()
    atheris.Setup([sys.argv[0], *argv], one)
    atheris.Fuzz()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run every reliability check at ``--scale`` and print its figures."""
    from tests.reliability._faults import run_fault_matrix
    from tests.reliability._kills import run_kill_rounds
    from tests.reliability._races import run_race, run_thread_race
    from tests.reliability._scale import LARGE, SIZES, size

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reliability", description=__doc__
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=LARGE,
        help=f"multiply the CI sizes by this (default {LARGE:g})",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the figures")
    parser.add_argument(
        "--atheris",
        nargs=argparse.REMAINDER,
        metavar="ARG",
        help="fuzz the loader with atheris instead; the rest goes to libFuzzer "
        "(for example -runs=100000)",
    )
    args = parser.parse_args(argv)
    if args.atheris is not None:
        return _atheris(list(args.atheris))
    scale: float = args.scale
    progress = not args.quiet
    started = time.perf_counter()

    inputs, refused = _fuzz(scale, progress)
    print(
        f"inputs tried: {inputs} ({refused} refused with a ProfilesError, "
        f"{inputs - refused} loaded; no other exception)"
    )

    with tempfile.TemporaryDirectory() as folder:
        kills = run_kill_rounds(Path(folder), size(SIZES["kills"], scale))
    print(
        f"kills survived: {kills.kills} ({kills.acknowledged} acknowledged writes, "
        f"{kills.in_flight} kills landed a write in flight, "
        f"{kills.temps_seen} temp files left and removed by the next write)"
    )

    ops = size(SIZES["race_ops"], scale)
    with tempfile.TemporaryDirectory() as folder:
        processes = run_race(Path(folder), processes=4, threads=3, ops=ops)
    with tempfile.TemporaryDirectory() as folder:
        threads = run_thread_race(Path(folder), threads=6, ops=ops)
    print(
        f"writes raced: {processes.writes + threads.writes} "
        f"(4 processes x 3 threads and 6 threads, {ops} writes each; "
        f"{processes.reads + threads.reads} whole-file reads during the race)"
    )

    with tempfile.TemporaryDirectory() as folder:
        counter = itertools.count()

        def make_root() -> Path:
            root = Path(folder, str(next(counter)))
            root.mkdir()
            return root

        faults = run_fault_matrix(
            make_root, nths=6, extra=size(SIZES["fault_extra"], scale) * 5
        )
    print(
        f"faults injected: {faults.injected} (of {faults.cases} cases; "
        "previous file byte for byte, no temp file left)"
    )

    lost = kills.lost + processes.lost + threads.lost
    print(f"items lost: {lost}")
    if progress:
        print(
            f"  total {time.perf_counter() - started:.0f} s at scale {scale:g}",
            file=sys.stderr,
        )
    return 0 if lost == 0 else 1


def _run() -> int:
    try:
        return main()
    except AssertionError as error:
        # A guarantee failed: say which, briefly (a fuzzed input can be huge).
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"FAILED: {first[:500]}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(_run())
