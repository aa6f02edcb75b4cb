"""SQL for usage: request counts per key, calendar month and API, and per-key limits.

Counts arrive in batches (the auth layer counts in memory and flushes now and then), each batch
one transaction of upserts that add to the stored counts. Portable SQL: `ON CONFLICT ... DO
UPDATE` works on SQLite (3.24+) and PostgreSQL alike.

A batch is applied once, however often it is written: a write whose acknowledgement was lost
(the connection dropped after the server committed) is written again by its flusher, as it
was, and must not add the same counts twice. So each batch has an id, recorded in
`usage_flushes` in the transaction that adds its counts, and each write attempt a token of its
own: the attempt records the id unless it is there already, and adds the counts only if the
row is its own. On PostgreSQL an attempt that finds the id being recorded by an earlier one
still in flight waits for that one's outcome. A flusher that knows its batch applied (the write
was acknowledged) deletes its id with its next batch; ids left behind (a process gone before it
knew) go after FLUSH_RETENTION.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from .changes import LIMITS, announce
from .database import Database, Statement, now

# Seconds an applied batch's id is kept when its flusher never said it knew: a batch written
# again later than this after its first attempt (an outage that long) may count twice.
FLUSH_RETENTION = 7 * 24 * 3600.0


@dataclass(frozen=True)
class KeyLimits:
    """A key's limits: `rate` requests per second with up to `burst` at once, and `quota`
    requests per calendar month (UTC). 0 turns each off."""

    rate: float = 0.0
    burst: int = 0
    quota: int = 0

    @property
    def off(self) -> bool:
        return self.rate <= 0 and self.quota <= 0


NO_LIMITS = KeyLimits()


@dataclass(frozen=True)
class Count:
    """Requests (answered and refused) of one key to one API in one month."""

    key_id: str
    project: str
    month: str  # 'YYYY-MM', UTC
    api: str
    requests: int
    refused: int = 0


@dataclass(frozen=True)
class KeyMonth:
    """One key's totals for a month, with a breakdown by API."""

    key_id: str
    project: str
    requests: int
    refused: int
    by_api: dict[str, int]


_RECORD_FLUSH = ("INSERT INTO usage_flushes(id, attempt, applied_at) VALUES (?, ?, ?)"
                 " ON CONFLICT(id) DO NOTHING")
# The counts of a batch, added only by the attempt that recorded its id. (Typed: PostgreSQL
# infers no type for a bare parameter in a SELECT list. The WHERE also keeps SQLite from
# reading ON CONFLICT as a join's.)
_ADD = (
    "INSERT INTO usage_counts(key_id, month, api, project, requests, refused)"
    " SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT),"
    " CAST(? AS BIGINT), CAST(? AS BIGINT)"
    " WHERE EXISTS (SELECT 1 FROM usage_flushes WHERE id = ? AND attempt = ?)"
    " ON CONFLICT(key_id, month, api) DO UPDATE SET"
    " requests = usage_counts.requests + excluded.requests,"
    " refused = usage_counts.refused + excluded.refused"
)
_FORGET_FLUSH = "DELETE FROM usage_flushes WHERE id = ?"
_PRUNE_FLUSHES = "DELETE FROM usage_flushes WHERE applied_at < ?"
_SET_LIMITS = (
    "INSERT INTO key_limits(key_id, rate, burst, quota, updated_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT(key_id) DO UPDATE SET rate = excluded.rate, burst = excluded.burst,"
    " quota = excluded.quota, updated_at = excluded.updated_at"
)


class UsageStore:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, counts: Sequence[Count], batch: str | None = None,
                  forget: Sequence[str] = ()) -> None:
        """Add counts to the stored ones, all in one transaction, unless the batch of id
        `batch` was applied already (None: a new batch); drop the ids of the batches in
        `forget`, known applied (see the module docstring)."""
        if not counts:
            return
        batch = batch or secrets.token_hex(16)
        attempt = secrets.token_hex(8)
        at = now()
        statements: list[Statement] = [(_RECORD_FLUSH, (batch, attempt, at))]
        statements += [(_ADD, (c.key_id, c.month, c.api, c.project, c.requests, c.refused,
                               batch, attempt)) for c in counts]
        statements += [(_FORGET_FLUSH, (applied,)) for applied in forget]
        statements.append((_PRUNE_FLUSHES, (at - FLUSH_RETENTION,)))
        await self.db.write(statements)

    async def month(self, month: str, project: str | None = None) -> list[KeyMonth]:
        """Return every key's totals for a month (optionally of one project), busiest first."""
        where, params = "WHERE month = ?", [month]
        if project is not None:
            where, params = where + " AND project = ?", [month, project]
        rows = await self.db.fetchall(
            f"SELECT key_id, project, api, requests, refused FROM usage_counts {where}"
            " ORDER BY key_id, api", params)
        totals: dict[str, KeyMonth] = {}
        for key_id, proj, api, requests, refused in rows:
            seen = totals.get(key_id)
            by_api = {**(seen.by_api if seen else {}), api: requests}
            totals[key_id] = KeyMonth(key_id, proj, (seen.requests if seen else 0) + requests,
                                      (seen.refused if seen else 0) + refused, by_api)
        return sorted(totals.values(), key=lambda k: (-k.requests, k.key_id))

    async def totals(self, month: str) -> dict[str, int]:
        """Return the requests of each key in a month."""
        rows = await self.db.fetchall(
            "SELECT key_id, SUM(requests) FROM usage_counts WHERE month = ? GROUP BY key_id",
            (month,))
        return {key_id: int(total) for key_id, total in rows}

    async def quota_totals(self, month: str) -> dict[str, int]:
        """Return the requests in a month of the keys that have a quota (what quotas are
        checked against)."""
        rows = await self.db.fetchall(
            "SELECT u.key_id, SUM(u.requests) FROM usage_counts u"
            " JOIN key_limits l ON l.key_id = u.key_id"
            " WHERE u.month = ? AND l.quota > 0 GROUP BY u.key_id", (month,))
        return {key_id: int(total) for key_id, total in rows}

    async def history(self, key_id: str, months: int = 12) -> list[tuple[str, int, int]]:
        """Return (month, requests, refused) of a key's latest months, newest first."""
        rows = await self.db.fetchall(
            "SELECT month, SUM(requests), SUM(refused) FROM usage_counts WHERE key_id = ?"
            " GROUP BY month ORDER BY month DESC LIMIT ?", (key_id, months))
        return [(m, int(r), int(f)) for m, r, f in rows]

    async def limits(self) -> dict[str, KeyLimits]:
        """Return the limits of every key that has some."""
        rows = await self.db.fetchall(
            "SELECT key_id, rate, burst, quota FROM key_limits WHERE rate > 0 OR quota > 0")
        return {key_id: KeyLimits(float(rate), int(burst), int(quota))
                for key_id, rate, burst, quota in rows}

    async def get_limits(self, key_id: str) -> KeyLimits:
        """Return a key's limits (NO_LIMITS when none are set)."""
        row = await self.db.fetchone(
            "SELECT rate, burst, quota FROM key_limits WHERE key_id = ?", (key_id,))
        return KeyLimits(float(row[0]), int(row[1]), int(row[2])) if row else NO_LIMITS

    async def set_limits(self, key_id: str, limits: KeyLimits) -> None:
        """Store a key's limits (all zero: no limits)."""
        await self.db.write([(_SET_LIMITS, (key_id, limits.rate, limits.burst, limits.quota,
                                            now())),
                             *announce(self.db, LIMITS, key_id)])

    # -- PostgreSQL: one token bucket per key for the whole fleet ---------------------------

    async def lease_tokens(self, key_id: str, rate: float, burst: float,
                           wanted: int) -> tuple[int, float]:  # fmt: skip
        """Take up to `wanted` whole tokens from the key's shared bucket (PostgreSQL only);
        return how many were taken and the tokens left in it.

        One statement: the bucket refills by the time passed on the database's clock (one
        clock for every host), and a row locked by a concurrent taker makes this one wait for
        it, so N processes draw from one bucket.
        """
        row = await self.db.fetchone(_LEASE_TOKENS, (key_id, float(burst), float(rate), wanted))
        assert row is not None
        return int(row[0]), float(row[1])

    async def use_quota(self, key_id: str, month: str, quota: int) -> int | None:
        """Count one request against the key's monthly quota for the whole fleet (PostgreSQL
        only); return the requests it had used before, or None when the quota is used up.

        The first request of a month (or after a crash of the server) starts from the stored
        usage counts of the month."""
        row = await self.db.fetchone(_USE_QUOTA, (key_id, month, quota))
        if row is None or int(row[0]) > quota:
            return None
        return int(row[0]) - 1

    async def give_back(self, key_id: str, month: str) -> None:
        """Return a request counted by `use_quota` that was not served after all."""
        await self.db.fetchone("UPDATE quota_used SET used = used - 1 WHERE key_id = ?"
                               " AND month = ? RETURNING used", (key_id, month))  # fmt: skip


_USE_QUOTA = """
INSERT INTO quota_used AS q (key_id, month, used)
VALUES ($1, $2, (SELECT COALESCE(SUM(requests), 0) FROM usage_counts
                 WHERE key_id = $1 AND month = $2) + 1)
ON CONFLICT (key_id, month) DO UPDATE SET used = q.used + 1 WHERE q.used < $3
RETURNING used
"""
_EPOCH = "EXTRACT(EPOCH FROM statement_timestamp())::DOUBLE PRECISION"
_REFILLED = f"LEAST($2, b.tokens + GREATEST(0, {_EPOCH} - b.updated_at) * $3)"
_TAKEN = f"LEAST($4, FLOOR({_REFILLED}))"
# PostgreSQL only (its own $n placeholders: the same parameter is used more than once).
_LEASE_TOKENS = f"""
INSERT INTO rate_buckets AS b (key_id, tokens, updated_at, granted)
VALUES ($1, $2 - LEAST($4, FLOOR($2)), {_EPOCH}, LEAST($4, FLOOR($2)))
ON CONFLICT (key_id) DO UPDATE SET
  tokens = {_REFILLED} - {_TAKEN},
  updated_at = {_EPOCH},
  granted = {_TAKEN}
RETURNING granted, tokens
"""
