"""Where a pytest process's memory goes, test by test: live objects or the allocator's free lists.

Runs pytest in this process with a small plugin (no conftest change): after each test it runs a
full `gc.collect()` and records the tracked objects, the interpreter's allocated blocks, the
RSS, and glibc's `mallinfo2()` (bytes malloc has handed out and still holds, and bytes it holds
free). With `--trim` it also calls `malloc_trim(0)` after each test, which gives free pages back
to the system: what RSS keeps after that is in use. Prints, after pytest's own output, a row for
the first, every `--every`-th and the last test, then the RSS before and after one
`malloc_trim(0)`. Everything after `--` goes to pytest:

    SPECTRUM_RPC_DATA_DIR=../shared/data nice -n 10 .venv/bin/python scripts/bench_test_heap.py \
        --every 40 -- -m "not slow" tests/api

glibc only (Linux); `mallinfo2` needs glibc 2.33.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import sys

import pytest

MIB = 2**20


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


LIBC = ctypes.CDLL("libc.so.6")
LIBC.mallinfo2.restype = MallInfo2


def status_mib(field: str = "VmRSS") -> float:
    """A size from /proc/self/status in MiB: VmRSS, or its parts RssAnon and RssFile."""
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def sample() -> dict[str, float]:
    """The process's memory now, after a full collection."""
    gc.collect()
    info = LIBC.mallinfo2()
    return {"objects": len(gc.get_objects()), "blocks": sys.getallocatedblocks(),
            "rss": status_mib(), "anon": status_mib("RssAnon"), "file": status_mib("RssFile"),
            "modules": len(sys.modules), "malloc_used": info.uordblks / MIB,
            "malloc_free": info.fordblks / MIB, "mmapped": info.hblkhd / MIB}


class Probe:
    """The pytest plugin: one sample after each test's teardown."""

    def __init__(self, every: int, trim: bool) -> None:
        self.every, self.trim, self.tests = every, trim, 0
        self.rows: list[tuple[int, dict[str, float]]] = []  # the first, every N-th, the last

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.tests += 1
        if self.trim:
            gc.collect()
            LIBC.malloc_trim(0)
        if self.rows and self.rows[-1][0] != 1 and self.rows[-1][0] % self.every:
            self.rows.pop()  # the previous test's row, kept only while it was the last
        self.rows.append((self.tests, sample()))


HEADER = ("| tests | modules | tracked objects | allocated blocks | RSS MiB (anonymous, files) "
          "| malloc in use MiB | malloc free MiB |")


def print_table(rows: list[tuple[int, dict[str, float]]]) -> None:
    print(HEADER)
    print("|---|---|---|---|---|---|---|")
    for tests, s in rows:
        print(f"| {tests} | {s['modules']:,} | {s['objects']:,} | {s['blocks']:,} | "
              f"{s['rss']:.0f} ({s['anon']:.0f}, {s['file']:.0f}) | "
              f"{s['malloc_used'] + s['mmapped']:.0f} | {s['malloc_free']:.0f} |")


def positive(value: str) -> int:
    """An argparse type: a whole number of at least 1 (`--every 0` would divide by zero)."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=positive, default=40, help="print every N-th test")
    parser.add_argument("--trim", action="store_true", help="malloc_trim(0) after each test")
    parser.add_argument("pytest_args", nargs="+", help="test files and pytest options (after --)")
    args = parser.parse_args()
    probe = Probe(args.every, args.trim)
    code = pytest.main(["-q", "-p", "no:cacheprovider", *args.pytest_args], plugins=[probe])
    print_table(probe.rows)
    before = sample()["rss"]
    LIBC.malloc_trim(0)
    print(f"\nat the end: RSS {before:.0f} MiB, after malloc_trim(0) {status_mib():.0f} MiB "
          f"(pytest exit code {int(code)})")
    sys.exit(int(code))


if __name__ == "__main__":
    main()
