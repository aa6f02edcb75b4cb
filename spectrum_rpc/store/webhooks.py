"""SQL for webhooks: endpoints, the event outbox, deliveries (the retry queue) and attempts.

A delivery is one (event, webhook) pair. Its `state` is `pending` (due at `next_attempt_at`),
`sending` (claimed under `lease_token` until `lease_until`), `delivered` or `failed` (dead letter).
Signing secrets and Basic-auth passwords are sealed by a `SecretBox` on the way in and opened
on the way out: records hold them in clear, the table only sealed once a master key is set.
On SQLite a sealed value is a BLOB and a clear one TEXT; PostgreSQL's TEXT column cannot hold
both, so there the value is stored tagged: "sealed:" and the token, or "clear:" and the text.

Several processes may share one PostgreSQL database: a claim there locks its rows with
`FOR UPDATE SKIP LOCKED`, so two dispatchers never take the same delivery, and records the
claiming process's liveness lock (`lease_owner`, an advisory lock its store holds while open).
A claim is taken over when its lease runs out or, at once, when its process is gone (its lock
no longer held: PostgreSQL drops a dead process's locks when its connection closes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .changes import WEBHOOKS, announce
from .database import Database, Statement
from .encryption import SecretBox, Stored
from .projects import ENSURE as ENSURE_PROJECT

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
STATES = (PENDING, SENDING, DELIVERED, FAILED)


@dataclass(frozen=True)
class WebhookRecord:
    id: str
    project: str
    url: str
    enabled: bool
    events: str
    basic_username: str | None
    basic_password: str | None
    secret: str
    previous_secret: str | None
    rotated_at: float | None
    description: str
    created_at: float
    updated_at: float
    last_success_at: float | None
    failing_since: float | None
    disabled_reason: str | None

    def __repr__(self) -> str:  # never show credentials or secrets, even in a traceback
        return f"WebhookRecord(id={self.id!r}, project={self.project!r}, enabled={self.enabled})"


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    event_id: str
    webhook_id: str
    state: str
    attempts: int
    next_attempt_at: float | None
    last_status: int | None
    last_error: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class AttemptRecord:
    id: int
    delivery_id: int
    attempted_at: float
    status: int | None
    error: str | None
    latency: float | None
    response: bytes | None


@dataclass(frozen=True)
class Claim:
    """A delivery claimed for sending, with the event body and its webhook."""

    delivery: DeliveryRecord
    body: bytes
    webhook: WebhookRecord


_WEBHOOK_COLUMNS = (
    "id, project, url, enabled, events, basic_username, basic_password, secret, previous_secret,"
    " rotated_at, description, created_at, updated_at, last_success_at, failing_since,"
    " disabled_reason"
)
_DELIVERY_COLUMNS = (
    "id, event_id, webhook_id, state, attempts, next_attempt_at, last_status, last_error,"
    " created_at, updated_at"
)
# Columns a caller may change with `update`.
UPDATABLE = frozenset(
    {
        "url",
        "enabled",
        "events",
        "basic_username",
        "basic_password",
        "description",
        "disabled_reason",
        "secret",
        "previous_secret",
        "rotated_at",
        "project",
    }
)


# The sealed columns, and their places among _WEBHOOK_COLUMNS.
SEALED = ("basic_password", "secret", "previous_secret")
_SEALED_AT = (6, 7, 8)


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


# Due rows, at most `per_webhook` in flight per webhook (counting rows already being sent),
# oldest first: a webhook with a backlog cannot take every slot (no head-of-line blocking).
# Candidates are read per webhook through an index (json_each serves as a lateral join), so a
# long backlog is never scanned.
_CLAIM = f"""
UPDATE webhook_deliveries SET state = '{SENDING}', lease_token = ?, lease_until = ?, updated_at = ?
WHERE id IN (
  SELECT id FROM (
    SELECT c.id AS id, c.due AS due,
      ROW_NUMBER() OVER (PARTITION BY c.webhook_id ORDER BY c.due, c.id) AS rank,
      (SELECT COUNT(*) FROM webhook_deliveries s WHERE s.webhook_id = c.webhook_id
         AND s.state = '{SENDING}' AND s.lease_until > ?) AS busy
    FROM (
      SELECT d.id AS id, d.webhook_id AS webhook_id, d.next_attempt_at AS due
      FROM webhooks w CROSS JOIN json_each((
        SELECT json_group_array(x.id) FROM (
          SELECT x.id FROM webhook_deliveries x
          WHERE x.webhook_id = w.id AND x.state = '{PENDING}' AND x.next_attempt_at <= ?
          ORDER BY x.next_attempt_at, x.id LIMIT ?) x)) j
      CROSS JOIN webhook_deliveries d ON d.id = j.value  -- CROSS JOIN: keep this join order
      WHERE w.enabled = 1
      UNION ALL
      SELECT d.id, d.webhook_id, d.lease_until
      FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
      WHERE w.enabled = 1 AND d.state = '{SENDING}' AND d.lease_until <= ?
    ) c
  ) WHERE rank + busy <= ? ORDER BY due, id LIMIT ?
)
"""
# PostgreSQL: the advisory locks held now, by number (those of the live processes).
_LIVE = (
    "(SELECT (l.classid::BIGINT << 32) | l.objid::BIGINT FROM pg_locks l"
    " WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted)"
)
# The claimer's own liveness lock is held: a process frozen long enough to lose it (its control
# connection ended by the server) claims nothing under its old number, which the others would
# take at once, until it has connected again under a new one.
_OWN_LOCK = "CAST(? AS BIGINT) IN " + _LIVE
# A claim that is still good: its lease runs, and its process lives.
_HELD_POSTGRES = "{a}.lease_until > ? AND {a}.lease_owner IN " + _LIVE
# PostgreSQL: the same choice of rows, each locked (or skipped when another process holds it)
# and checked again once locked, so concurrent claimers never take the same delivery.
# LATERAL stands for SQLite's json_each.
_CLAIM_POSTGRES = f"""
UPDATE webhook_deliveries SET state = '{SENDING}', lease_token = ?, lease_until = ?, updated_at = ?,
  lease_owner = ?
WHERE id IN (
  SELECT d.id FROM webhook_deliveries d WHERE d.id IN (
    SELECT id FROM (
      SELECT c.id AS id, c.due AS due,
        ROW_NUMBER() OVER (PARTITION BY c.webhook_id ORDER BY c.due, c.id) AS rank,
        (SELECT COUNT(*) FROM webhook_deliveries s WHERE s.webhook_id = c.webhook_id
           AND s.state = '{SENDING}' AND {_HELD_POSTGRES.format(a="s")}) AS busy
      FROM (
        SELECT x.id AS id, x.webhook_id AS webhook_id, x.next_attempt_at AS due
        FROM webhooks w CROSS JOIN LATERAL (
          SELECT x.id, x.webhook_id, x.next_attempt_at FROM webhook_deliveries x
          WHERE x.webhook_id = w.id AND x.state = '{PENDING}' AND x.next_attempt_at <= ?
          ORDER BY x.next_attempt_at, x.id LIMIT ?) x
        WHERE w.enabled = 1
        UNION ALL
        SELECT d.id, d.webhook_id, d.updated_at
        FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE w.enabled = 1 AND d.state = '{SENDING}'
          AND NOT ({_HELD_POSTGRES.format(a="d")})
      ) c
    ) ranked WHERE rank + busy <= ? ORDER BY due, id LIMIT ?
  ) AND (d.state = '{PENDING}'
         OR (d.state = '{SENDING}' AND NOT ({_HELD_POSTGRES.format(a="d")})))
  FOR UPDATE SKIP LOCKED
) AND {_OWN_LOCK}
"""
_CLAIM_IDS = f"""
UPDATE webhook_deliveries SET state = '{SENDING}', lease_token = ?, lease_until = ?, updated_at = ?
WHERE id = ? AND (state = '{PENDING}' OR (state = '{SENDING}' AND lease_until <= ?))
"""
_CLAIM_IDS_POSTGRES = f"""
UPDATE webhook_deliveries SET state = '{SENDING}', lease_token = ?, lease_until = ?, updated_at = ?,
  lease_owner = ?
WHERE id = ? AND (state = '{PENDING}'
  OR (state = '{SENDING}' AND NOT ({_HELD_POSTGRES.format(a="webhook_deliveries")})))
  AND {_OWN_LOCK}
"""
_CLAIMED = f"""
SELECT {_prefixed(_DELIVERY_COLUMNS, "d")}, e.body, {_prefixed(_WEBHOOK_COLUMNS, "w")}
FROM webhook_deliveries d
JOIN webhook_events e ON e.id = d.event_id
JOIN webhooks w ON w.id = d.webhook_id
WHERE d.lease_token = ? AND d.state = '{SENDING}' ORDER BY d.id
"""


def _tagged(stored: Stored) -> str | None:
    if stored is None:
        return None
    if isinstance(stored, str):
        return "clear:" + stored
    return "sealed:" + bytes(stored).decode("ascii")


def _untagged(column: str | None) -> Stored:
    if column is None:
        return None
    kind, _, value = column.partition(":")
    return value if kind == "clear" else value.encode("ascii")


# How each backend writes a sealed column and reads it back.
_TO_COLUMN = {"sqlite": lambda stored: stored, "postgresql": _tagged}
_FROM_COLUMN = {"sqlite": lambda column: column, "postgresql": _untagged}
# Whether a column holds a value, NULL matching NULL.
_SAME = {"sqlite": "IS", "postgresql": "IS NOT DISTINCT FROM"}
_CLAIMS = {"sqlite": _CLAIM, "postgresql": _CLAIM_POSTGRES}
# PostgreSQL types the parameters of INSERT ... SELECT as text unless told.
_RECORD_ATTEMPT = {
    "sqlite": "INSERT INTO webhook_attempts(delivery_id, attempted_at, status, error, latency,"
    " response) SELECT ?, ?, ?, ?, ?, ?"
    " WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = ?)",
    "postgresql": "INSERT INTO webhook_attempts(delivery_id, attempted_at, status, error, latency,"
    " response) SELECT CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION), CAST(? AS INTEGER),"
    " CAST(? AS TEXT), CAST(? AS DOUBLE PRECISION), CAST(? AS BYTEA)"
    " WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = ?)",
}
# At start-up: on SQLite (one process) every claim left is a dead process's; on PostgreSQL
# only those whose lease has run out or whose process is gone are.
_STALE = {"sqlite": "", "postgresql": f" AND NOT ({_HELD_POSTGRES.format(a='webhook_deliveries')})"}


class WebhookStore:
    def __init__(self, db: Database, box: SecretBox | None = None):
        self.db = db
        self.box = box or SecretBox()
        self._to_column = _TO_COLUMN[db.dialect]
        self._from_column = _FROM_COLUMN[db.dialect]

    def _seal(self, value: str | None) -> Stored:
        return self._to_column(self.box.seal(value))

    def _unseal(self, column: Any) -> str | None:
        return self.box.unseal(self._from_column(column))

    def _webhook(self, row: Sequence[Any]) -> WebhookRecord:
        values = list(row)
        values[3] = bool(values[3])
        for i in _SEALED_AT:
            values[i] = self._unseal(values[i])
        return WebhookRecord(*values)

    # -- secrets at rest --------------------------------------------------------------------

    async def prepare_secrets(self) -> int:
        """Check that every stored secret opens; seal those in clear if a key is set.

        Run when the store opens, so a missing or wrong master key stops the process at once
        instead of failing each delivery. Return how many webhooks were sealed.
        """
        return await self._reseal(clear_only=True)

    async def rotate_secrets(self) -> int:
        """Seal every stored secret again under the first master key; return the webhooks done."""
        return await self._reseal(clear_only=False)

    async def _reseal(self, *, clear_only: bool) -> int:
        rows = await self.db.fetchall(f"SELECT id, {', '.join(SEALED)} FROM webhooks")
        statements: list[Statement] = []
        same = _SAME[self.db.dialect]
        for webhook_id, *columns in rows:
            stored = [self._from_column(c) for c in columns]
            for value in stored:
                self.box.unseal(value)  # raises MasterKeyError on a missing or wrong key
            if not self.box.encrypting or (
                clear_only and not any(isinstance(v, str) for v in stored)
            ):
                continue
            # Only if unchanged meanwhile (another process may have rotated this secret).
            statements.append((
                f"UPDATE webhooks SET {', '.join(f'{c} = ?' for c in SEALED)} WHERE id = ?"
                f" AND {' AND '.join(f'{c} {same} ?' for c in SEALED)}",
                (*(self._to_column(self.box.reseal(v)) for v in stored), webhook_id, *columns),
            ))  # fmt: skip
        if statements:
            await self.db.write(statements)
        return len(statements)

    def _sealed(self, values: dict[str, Any]) -> dict[str, Stored]:
        return {k: self._seal(v) if k in SEALED else v for k, v in values.items()}

    # -- webhooks -------------------------------------------------------------------------

    async def create(self, record: WebhookRecord) -> None:
        """Insert a webhook (creating its project if needed)."""
        marks = ", ".join("?" * 16)
        values = list(dataclasses.astuple(record))
        values[3] = int(record.enabled)
        for i in _SEALED_AT:
            values[i] = self._seal(values[i])
        await self.db.write(
            [
                (ENSURE_PROJECT, (record.project, record.created_at)),
                (f"INSERT INTO webhooks({_WEBHOOK_COLUMNS}) VALUES ({marks})", values),
                *announce(self.db, WEBHOOKS, record.project),
            ]
        )

    async def get(self, webhook_id: str) -> WebhookRecord | None:
        """Return one webhook by id, or None."""
        row = await self.db.fetchone(
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?", (webhook_id,)
        )
        return self._webhook(row) if row else None

    async def list(self, project: str | None = None) -> list[WebhookRecord]:
        """List webhooks, oldest first, optionally of one project."""
        where, params = ("WHERE project = ?", (project,)) if project else ("", ())
        rows = await self.db.fetchall(
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks {where} ORDER BY created_at, id", params
        )
        return [self._webhook(r) for r in rows]

    async def find(self, project: str, url: str, events: str) -> str | None:
        """Return the id of a project's oldest webhook with this stored URL and events, or None."""
        row = await self.db.fetchone(
            "SELECT id FROM webhooks WHERE project = ? AND url = ? AND events = ?"
            " ORDER BY created_at, id LIMIT 1",
            (project, url, events),
        )
        return row[0] if row else None

    async def count(self, project: str, events: str) -> int:
        """Count a project's webhooks with exactly these (stored) events."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM webhooks WHERE project = ? AND events = ?", (project, events)
        )
        return int(row[0]) if row else 0

    async def enabled_for(self, project: str) -> list[WebhookRecord]:
        """List a project's enabled webhooks."""
        rows = await self.db.fetchall(
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE project = ? AND enabled = 1"
            " ORDER BY id",
            (project,),
        )
        return [self._webhook(r) for r in rows]

    async def update(self, webhook_id: str, now: float, **changes: Any) -> bool:
        """Change some columns of a webhook; return False if there is no such webhook."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if await self.get(webhook_id) is None:
            return False
        if "enabled" in changes:
            changes["enabled"] = int(changes["enabled"])
            if changes["enabled"]:  # a fresh start: the failure window begins again
                changes.setdefault("disabled_reason", None)
                changes["failing_since"] = None
        changes = self._sealed(changes)
        sets = ", ".join(f"{name} = ?" for name in changes)
        statements: list[Statement] = [
            (
                f"UPDATE webhooks SET {sets}, updated_at = ? WHERE id = ?",
                (*changes.values(), now, webhook_id),
            ),
            *announce(self.db, WEBHOOKS),
        ]
        if "project" in changes:
            statements.insert(
                0,
                (ENSURE_PROJECT, (changes["project"], now)),
            )
        await self.db.write(statements)
        return True

    async def delete(self, webhook_id: str) -> bool:
        """Delete a webhook with its deliveries and attempts; return False if absent."""
        if await self.get(webhook_id) is None:
            return False
        await self.db.write(
            [
                ("DELETE FROM webhooks WHERE id = ?", (webhook_id,)),
                (_DELETE_ORPHAN_EVENTS, ()),
                *announce(self.db, WEBHOOKS),
            ]
        )
        return True

    async def disable_if_failing(self, webhook_id: str, since: float, reason: str) -> bool:
        """Disable a webhook failing without success since `since` or earlier; return if it was."""
        row = await self.db.fetchone(
            "SELECT 1 FROM webhooks WHERE id = ? AND enabled = 1 AND failing_since <= ?",
            (webhook_id, since),
        )
        if row is None:
            return False
        await self.db.write([
            ("UPDATE webhooks SET enabled = 0, disabled_reason = ? WHERE id = ?",
             (reason, webhook_id)),
            *announce(self.db, WEBHOOKS),
        ])
        return True

    # -- events and the delivery queue ------------------------------------------------------

    def event_statements(
        self,
        event_id: str,
        project: str,
        created_at: float,
        body: bytes,
        webhook_ids: Sequence[str],
        due: float | None = None,
    ) -> list[Statement]:
        """Return the writes that enqueue one event for some webhooks, due at `due` (or now)."""
        statements: list[Statement] = [
            (
                "INSERT INTO webhook_events(id, project, created_at, body) VALUES (?, ?, ?, ?)",
                (event_id, project, created_at, body),
            )
        ]
        insert = (
            "INSERT INTO webhook_deliveries(event_id, webhook_id, state, next_attempt_at,"
            f" created_at, updated_at) VALUES (?, ?, '{PENDING}', ?, ?, ?)"
        )
        statements += [
            (insert, (event_id, w, due or created_at, created_at, created_at)) for w in webhook_ids
        ]
        return statements

    async def enqueue(
        self,
        event_id: str,
        project: str,
        created_at: float,
        body: bytes,
        webhook_ids: Sequence[str],
        due: float | None = None,
    ) -> list[int]:
        """Enqueue one event durably for some webhooks; return the new delivery ids."""
        await self.db.write(
            self.event_statements(event_id, project, created_at, body, webhook_ids, due)
        )
        rows = await self.db.fetchall(
            "SELECT id FROM webhook_deliveries WHERE event_id = ? ORDER BY id", (event_id,)
        )
        return [r[0] for r in rows]

    async def release_all(self, now: float) -> int:
        """Make claimed deliveries due again (at start-up: claimers from before are dead).

        On PostgreSQL, only the claims whose lease has run out: the others are live peers'.
        """
        stale = _STALE[self.db.dialect]
        extra = (now,) if stale else ()
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM webhook_deliveries WHERE state = '{SENDING}'{stale}", extra
        )
        await self.db.execute(
            f"UPDATE webhook_deliveries SET state = '{PENDING}', next_attempt_at = ?,"
            f" lease_token = NULL, lease_until = NULL WHERE state = '{SENDING}'{stale}",
            (now, *extra),
        )
        return int(row[0]) if row else 0

    async def claim(
        self, token: str, now: float, lease_until: float, limit: int, per_webhook: int
    ) -> list[Claim]:
        """Claim up to `limit` due deliveries under `token`; return them."""
        params: tuple[Any, ...]
        if self.db.dialect == "postgresql":
            owner = self.db.owner  # type: ignore[union-attr]
            params = (token, lease_until, now, owner, now, now, per_webhook, now, per_webhook,
                      limit, now, owner)  # fmt: skip
        else:
            params = (token, lease_until, now, now, now, per_webhook, now, per_webhook, limit)
        await self.db.execute(_CLAIMS[self.db.dialect], params)
        return await self._claimed(token)

    async def claim_ids(
        self, token: str, now: float, lease_until: float, delivery_ids: Sequence[int]
    ) -> list[Claim]:
        """Claim these deliveries if nobody else holds them; return those claimed."""
        if self.db.dialect == "postgresql":
            owner = self.db.owner  # type: ignore[union-attr]
            sql, params = _CLAIM_IDS_POSTGRES, [(token, lease_until, now, owner, i, now, owner)
                                                for i in delivery_ids]  # fmt: skip
        else:
            sql, params = _CLAIM_IDS, [(token, lease_until, now, i, now) for i in delivery_ids]
        await self.db.write([(sql, p) for p in params])
        return await self._claimed(token)

    async def _claimed(self, token: str) -> list[Claim]:
        rows = await self.db.fetchall(_CLAIMED, (token,))
        return [Claim(DeliveryRecord(*r[:10]), bytes(r[10]), self._webhook(r[11:])) for r in rows]

    async def record_attempt(
        self,
        claim: Claim,
        token: str,
        *,
        at: float,
        state: str,
        next_attempt_at: float | None,
        status: int | None,
        error: str | None,
        latency: float | None,
        response: bytes | None,
        disable_reason: str | None = None,
    ) -> None:
        """Record one attempt and the delivery's next state (and the webhook's health) at once."""
        d, webhook_id = claim.delivery, claim.webhook.id
        statements: list[Statement] = [
            (
                # Skipped when the webhook (and so the delivery) was removed meanwhile.
                _RECORD_ATTEMPT[self.db.dialect],
                (d.id, at, status, error, latency, response, d.id),
            ),
            (
                "UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1,"
                " next_attempt_at = ?, lease_token = NULL, lease_until = NULL, last_status = ?,"
                " last_error = ?, updated_at = ? WHERE id = ? AND lease_token = ?",
                (state, next_attempt_at, status, error, at, d.id, token),
            ),
        ]
        if state == DELIVERED:
            statements.append(
                (
                    "UPDATE webhooks SET last_success_at = ?, failing_since = NULL WHERE id = ?",
                    (at, webhook_id),
                )
            )
        else:
            statements.append(
                (
                    "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?) WHERE id = ?",
                    (at, webhook_id),
                )
            )
        if disable_reason is not None:
            statements.append(
                (
                    "UPDATE webhooks SET enabled = 0, disabled_reason = ? WHERE id = ?",
                    (disable_reason, webhook_id),
                )
            )
            statements += announce(self.db, WEBHOOKS)
        await self.db.write(statements)

    # -- inspection and replay --------------------------------------------------------------

    async def deliveries(
        self,
        *,
        webhook_id: str | None = None,
        state: str | None = None,
        since: float | None = None,
        limit: int | None = 100,
    ) -> list[DeliveryRecord]:
        """List deliveries, newest first, filtered by webhook, state and creation time."""
        where, params = _filters(webhook_id=webhook_id, state=state, since=since)
        tail = "LIMIT ?" if limit is not None else ""
        rows = await self.db.fetchall(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries {where} ORDER BY id DESC {tail}",
            (*params, limit) if limit is not None else params,
        )
        return [DeliveryRecord(*r) for r in rows]

    async def delivery(self, delivery_id: int) -> DeliveryRecord | None:
        """Return one delivery, or None."""
        row = await self.db.fetchone(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?", (delivery_id,)
        )
        return DeliveryRecord(*row) if row else None

    async def attempts(self, delivery_id: int) -> list[AttemptRecord]:
        """List a delivery's attempts, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, delivery_id, attempted_at, status, error, latency, response"
            " FROM webhook_attempts WHERE delivery_id = ? ORDER BY id",
            (delivery_id,),
        )
        return [AttemptRecord(*r[:6], bytes(r[6]) if r[6] is not None else None) for r in rows]

    async def event_body(self, event_id: str) -> bytes | None:
        """Return the stored body of an event, or None."""
        row = await self.db.fetchone("SELECT body FROM webhook_events WHERE id = ?", (event_id,))
        return bytes(row[0]) if row else None

    async def requeue(self, delivery_ids: Sequence[int], now: float) -> list[int]:
        """Make finished deliveries pending again with a fresh schedule; return those requeued."""
        found: list[int] = []
        for start in range(0, len(delivery_ids), 500):  # SQLite caps bound parameters
            chunk = tuple(delivery_ids[start : start + 500])
            rows = await self.db.fetchall(
                f"SELECT id FROM webhook_deliveries WHERE id IN ({','.join('?' * len(chunk))})"
                f" AND state IN ('{DELIVERED}', '{FAILED}') ORDER BY id",
                chunk,
            )
            found += [r[0] for r in rows]
        if not found:
            return []
        await self.db.write(
            [
                (
                    f"UPDATE webhook_deliveries SET state = '{PENDING}', attempts = 0,"
                    " next_attempt_at = ?, updated_at = ? WHERE id = ? AND state IN"
                    f" ('{DELIVERED}', '{FAILED}')",
                    (now, now, i),
                )
                for i in found
            ]
        )
        return found

    async def counts(self) -> dict[str, int]:
        """Count deliveries per state."""
        rows = await self.db.fetchall(
            "SELECT state, COUNT(*) FROM webhook_deliveries GROUP BY state"
        )
        return {state: 0 for state in STATES} | {r[0]: r[1] for r in rows}

    async def prune(self, before: float) -> int:
        """Delete finished deliveries last changed before `before`, their attempts and events."""
        row = await self.db.fetchone(
            _FINISHED_BEFORE.replace("DELETE", "SELECT COUNT(*)"), (before,)
        )
        await self.db.write([(_FINISHED_BEFORE, (before,)), (_DELETE_ORPHAN_EVENTS, ())])
        return int(row[0]) if row else 0


_FINISHED_BEFORE = (
    f"DELETE FROM webhook_deliveries WHERE state IN ('{DELIVERED}', '{FAILED}') AND updated_at < ?"
)
_DELETE_ORPHAN_EVENTS = (
    "DELETE FROM webhook_events WHERE NOT EXISTS"
    " (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)"
)


def _filters(**conditions: Any) -> tuple[str, tuple[Any, ...]]:
    sql = {"webhook_id": "webhook_id = ?", "state": "state = ?", "since": "created_at >= ?"}
    used = [(sql[k], v) for k, v in conditions.items() if v is not None]
    if not used:
        return "", ()
    return "WHERE " + " AND ".join(s for s, _ in used), tuple(v for _, v in used)
