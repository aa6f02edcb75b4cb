"""Looking at processes through /proc (Linux, as CI): engine processes and their exit."""

from __future__ import annotations

import asyncio
from pathlib import Path


def _stat(pid: int | str) -> list[str] | None:
    """Return the fields after the command name of /proc/PID/stat, or None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, exited but not reaped, does not count)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def children(pid: int) -> list[int]:
    """Return the running processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(entry.name)
        if fields is not None and fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry.name))
    return found


async def wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    """Wait until none of `pids` runs any more; return those still running at the timeout."""
    running = list(pids)
    for _ in range(int(timeout / 0.1)):
        running = [p for p in pids if alive(p)]
        if not running:
            return []
        await asyncio.sleep(0.1)
    return running
