"""Versioned schema migrations, applied in order at start-up, for both backends.

SQLite tracks its version in PRAGMA user_version, PostgreSQL in the table schema_version.
Migration N is `MIGRATIONS[N-1]` on SQLite and `POSTGRES_MIGRATIONS[N-1]` on PostgreSQL: append
new migrations at the end of both lists (same number, same tables); never edit one that has
shipped. The PostgreSQL spelling differs where the dialects do: DOUBLE PRECISION for REAL
(PostgreSQL's REAL is 4 bytes), BIGINT identity columns for AUTOINCREMENT, BYTEA for BLOB, and
TEXT columns that may hold a sealed secret (see `webhooks`); and where PostgreSQL needs more:
BIGINT for references to an identity and for counters that may pass 2**31 (INTEGER is 8 bytes
on SQLite, 4 on PostgreSQL), columns and an index for several processes (`lease_owner`, `seq`),
UNLOGGED tables. Those are choices per column, not a translation, so each twin is written out;
tests/store/test_schema_twins.py checks that both make the same schema after every migration,
the differences on purpose listed there (a new one goes there too).
"""

MIGRATIONS: list[str] = [
    # 1: projects, API keys, feedback
    """
    CREATE TABLE projects (
        name        TEXT PRIMARY KEY,
        created_at  REAL NOT NULL,
        settings    TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE api_keys (
        id            TEXT PRIMARY KEY,
        project       TEXT NOT NULL REFERENCES projects(name),
        name          TEXT NOT NULL,
        prefix        TEXT NOT NULL,
        key_hash      TEXT NOT NULL UNIQUE,
        created_at    REAL NOT NULL,
        last_used_at  REAL,
        revoked_at    REAL
    );
    CREATE TABLE feedback (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        project       TEXT NOT NULL,
        key_id        TEXT NOT NULL,
        created_at    REAL NOT NULL,
        content       TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        should_block  INTEGER NOT NULL,
        labels        TEXT,
        meta          TEXT,
        excluded      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX feedback_project_time ON feedback(project, created_at);
    CREATE INDEX feedback_sha ON feedback(project, content_sha256);
    """,
    # admin UI: users, sessions (ids stored hashed), audit log, per-minute classification counts
    """
    CREATE TABLE admin_users (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at    REAL NOT NULL,
        last_login_at REAL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until  REAL NOT NULL DEFAULT 0
    );
    CREATE TABLE admin_sessions (
        id_hash      TEXT PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
        created_at   REAL NOT NULL,
        last_seen_at REAL NOT NULL
    );
    CREATE TABLE admin_audit (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       REAL NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        project  TEXT,
        target   TEXT,
        detail   TEXT,
        address  TEXT
    );
    CREATE INDEX admin_audit_time ON admin_audit(at);
    CREATE TABLE classification_stats (
        project  TEXT NOT NULL,
        minute   INTEGER NOT NULL,
        total    INTEGER NOT NULL DEFAULT 0,
        toxic    INTEGER NOT NULL DEFAULT 0,
        sexual   INTEGER NOT NULL DEFAULT 0,
        phishing INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (project, minute)
    ) WITHOUT ROWID;
    """,
    # webhooks: endpoints, the outbox of events, one delivery per (event, webhook), every attempt
    """
    CREATE TABLE webhooks (
        id               TEXT PRIMARY KEY,
        project          TEXT NOT NULL,
        url              TEXT NOT NULL,
        enabled          INTEGER NOT NULL DEFAULT 1,
        events           TEXT NOT NULL,
        basic_username   TEXT,
        basic_password   TEXT,
        secret           TEXT NOT NULL,
        previous_secret  TEXT,
        rotated_at       REAL,
        description      TEXT NOT NULL DEFAULT '',
        created_at       REAL NOT NULL,
        updated_at       REAL NOT NULL,
        last_success_at  REAL,
        failing_since    REAL,
        disabled_reason  TEXT
    );
    CREATE INDEX webhooks_project ON webhooks(project, enabled);
    CREATE TABLE webhook_events (
        id          TEXT PRIMARY KEY,
        project     TEXT NOT NULL,
        created_at  REAL NOT NULL,
        body        BLOB NOT NULL
    );
    CREATE TABLE webhook_deliveries (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id         TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
        webhook_id       TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        state            TEXT NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  REAL,
        lease_token      TEXT,
        lease_until      REAL,
        last_status      INTEGER,
        last_error       TEXT,
        created_at       REAL NOT NULL,
        updated_at       REAL NOT NULL
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
    CREATE INDEX webhook_deliveries_webhook
        ON webhook_deliveries(webhook_id, state, next_attempt_at);
    CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
    CREATE TABLE webhook_attempts (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempted_at  REAL NOT NULL,
        status        INTEGER,
        error         TEXT,
        latency       REAL,
        response      BLOB
    );
    CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
    """,
    # model versions (files under training.model_root), active model per scope, promotion
    # history for rollback, and the retrain lock
    """
    CREATE TABLE model_versions (
        version     TEXT PRIMARY KEY,
        project     TEXT,
        origin      TEXT NOT NULL,
        parent      TEXT,
        path        TEXT NOT NULL,
        created_at  REAL NOT NULL,
        status      TEXT NOT NULL,
        report      TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE model_active (
        scope       TEXT PRIMARY KEY,
        version     TEXT NOT NULL REFERENCES model_versions(version),
        changed_at  REAL NOT NULL
    );
    CREATE TABLE model_promotions (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        scope        TEXT NOT NULL,
        version      TEXT NOT NULL,
        previous     TEXT,
        at           REAL NOT NULL,
        reason       TEXT NOT NULL,
        rolled_back  INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX model_promotions_scope ON model_promotions(scope, id);
    CREATE TABLE training_locks (
        name         TEXT PRIMARY KEY,
        owner        TEXT NOT NULL,
        acquired_at  REAL NOT NULL,
        expires_at   REAL NOT NULL
    );
    """,
    # usage: requests per key, calendar month (UTC, 'YYYY-MM') and API dialect, written in
    # batches; per-key limits (0 = none). Plain SQL with ON CONFLICT upserts: portable.
    """
    CREATE TABLE usage_counts (
        key_id    TEXT NOT NULL,
        month     TEXT NOT NULL,
        api       TEXT NOT NULL,
        project   TEXT NOT NULL,
        requests  INTEGER NOT NULL DEFAULT 0,
        refused   INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (key_id, month, api)
    );
    CREATE INDEX usage_counts_month ON usage_counts(month, project);
    CREATE TABLE key_limits (
        key_id      TEXT PRIMARY KEY,
        rate        REAL NOT NULL DEFAULT 0,
        burst       INTEGER NOT NULL DEFAULT 0,
        quota       INTEGER NOT NULL DEFAULT 0,
        updated_at  REAL NOT NULL
    );
    """,
    # actors (contentmod's actorId, discuse's user_id): totals per actor, and each request's
    # flags over time (no text). Portable SQL: the same script runs on PostgreSQL.
    """
    CREATE TABLE actors (
        project     TEXT NOT NULL,
        actor       TEXT NOT NULL,
        first_seen  DOUBLE PRECISION NOT NULL,
        last_seen   DOUBLE PRECISION NOT NULL,
        requests    INTEGER NOT NULL DEFAULT 0,
        flagged     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (project, actor)
    );
    CREATE INDEX actors_seen ON actors(project, last_seen);
    CREATE TABLE actor_events (
        id       TEXT PRIMARY KEY,
        project  TEXT NOT NULL,
        actor    TEXT NOT NULL,
        at       DOUBLE PRECISION NOT NULL,
        source   TEXT NOT NULL,
        flagged  INTEGER NOT NULL,
        flags    TEXT NOT NULL
    );
    CREATE INDEX actor_events_actor ON actor_events(project, actor, at);
    """,
    # 7: recent scores (no text: the project, the minute, the decided labels' scores and the
    # row's weight: the texts of its interval it stands for), pruned by count per project and
    # by age as they are written
    """
    CREATE TABLE recent_scores (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        project    TEXT NOT NULL,
        at         REAL NOT NULL,
        toxicity   REAL,
        sexual     REAL,
        phishing   REAL,
        weight     REAL NOT NULL DEFAULT 1
    );
    CREATE INDEX recent_scores_project ON recent_scores(project, id);
    CREATE INDEX recent_scores_at ON recent_scores(at);
    """,
    # 8: fleet-wide state for several processes on PostgreSQL: a token bucket per rate-limited
    # key, the month's requests of each key with a quota, and the admin login throttle per
    # address. A SQLite store (one process) keeps both in
    # memory and never reads these tables; they exist so that both backends number alike.
    """
    CREATE TABLE rate_buckets (
        key_id      TEXT PRIMARY KEY,
        tokens      REAL NOT NULL,
        updated_at  REAL NOT NULL,
        granted     INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE quota_used (
        key_id  TEXT NOT NULL,
        month   TEXT NOT NULL,
        used    INTEGER NOT NULL,
        PRIMARY KEY (key_id, month)
    );
    CREATE TABLE login_throttle (
        address       TEXT PRIMARY KEY,
        failures      INTEGER NOT NULL,
        locked_until  REAL NOT NULL,
        updated_at    REAL NOT NULL
    );
    CREATE INDEX login_throttle_updated ON login_throttle(updated_at);
    """,
    # 9: the usage flush batches applied (store/usage.py): a batch written again after its
    # acknowledgement was lost adds its counts once.
    """
    CREATE TABLE usage_flushes (
        id          TEXT PRIMARY KEY,
        attempt     TEXT NOT NULL,
        applied_at  REAL NOT NULL
    );
    CREATE INDEX usage_flushes_applied ON usage_flushes(applied_at);
    """,
    # 10: recent scores of every label with thresholds (moderateText's sub-labels and the
    # moderation samples' labels besides classifyText's three): a column each, null where the
    # call did not score the label
    """
    ALTER TABLE recent_scores ADD COLUMN harassment REAL;
    ALTER TABLE recent_scores ADD COLUMN hate REAL;
    ALTER TABLE recent_scores ADD COLUMN violence REAL;
    ALTER TABLE recent_scores ADD COLUMN self_harm REAL;
    ALTER TABLE recent_scores ADD COLUMN profanity REAL;
    ALTER TABLE recent_scores ADD COLUMN insult REAL;
    ALTER TABLE recent_scores ADD COLUMN threat REAL;
    ALTER TABLE recent_scores ADD COLUMN identity_attack REAL;
    """,
]

POSTGRES_MIGRATIONS: list[str] = [
    # 1: projects, API keys, feedback
    """
    CREATE TABLE projects (
        name        TEXT PRIMARY KEY,
        created_at  DOUBLE PRECISION NOT NULL,
        settings    TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE api_keys (
        id            TEXT PRIMARY KEY,
        project       TEXT NOT NULL REFERENCES projects(name),
        name          TEXT NOT NULL,
        prefix        TEXT NOT NULL,
        key_hash      TEXT NOT NULL UNIQUE,
        created_at    DOUBLE PRECISION NOT NULL,
        last_used_at  DOUBLE PRECISION,
        revoked_at    DOUBLE PRECISION
    );
    CREATE TABLE feedback (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        project       TEXT NOT NULL,
        key_id        TEXT NOT NULL,
        created_at    DOUBLE PRECISION NOT NULL,
        content       TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        should_block  INTEGER NOT NULL,
        labels        TEXT,
        meta          TEXT,
        excluded      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX feedback_project_time ON feedback(project, created_at);
    CREATE INDEX feedback_sha ON feedback(project, content_sha256);
    """,
    # 2: admin UI
    """
    CREATE TABLE admin_users (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name          TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at    DOUBLE PRECISION NOT NULL,
        last_login_at DOUBLE PRECISION,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until  DOUBLE PRECISION NOT NULL DEFAULT 0
    );
    CREATE TABLE admin_sessions (
        id_hash      TEXT PRIMARY KEY,
        user_id      BIGINT NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
        created_at   DOUBLE PRECISION NOT NULL,
        last_seen_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE admin_audit (
        id       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at       DOUBLE PRECISION NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        project  TEXT,
        target   TEXT,
        detail   TEXT,
        address  TEXT
    );
    CREATE INDEX admin_audit_time ON admin_audit(at);
    CREATE TABLE classification_stats (
        project  TEXT NOT NULL,
        minute   BIGINT NOT NULL,
        total    BIGINT NOT NULL DEFAULT 0,
        toxic    BIGINT NOT NULL DEFAULT 0,
        sexual   BIGINT NOT NULL DEFAULT 0,
        phishing BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (project, minute)
    );
    """,
    # 3: webhooks (the sealed columns hold "clear:" or "sealed:" and the value, and a claim
    # names its process's liveness lock in lease_owner: see webhooks)
    """
    CREATE TABLE webhooks (
        id               TEXT PRIMARY KEY,
        project          TEXT NOT NULL,
        url              TEXT NOT NULL,
        enabled          INTEGER NOT NULL DEFAULT 1,
        events           TEXT NOT NULL,
        basic_username   TEXT,
        basic_password   TEXT,
        secret           TEXT NOT NULL,
        previous_secret  TEXT,
        rotated_at       DOUBLE PRECISION,
        description      TEXT NOT NULL DEFAULT '',
        created_at       DOUBLE PRECISION NOT NULL,
        updated_at       DOUBLE PRECISION NOT NULL,
        last_success_at  DOUBLE PRECISION,
        failing_since    DOUBLE PRECISION,
        disabled_reason  TEXT
    );
    CREATE INDEX webhooks_project ON webhooks(project, enabled);
    CREATE TABLE webhook_events (
        id          TEXT PRIMARY KEY,
        project     TEXT NOT NULL,
        created_at  DOUBLE PRECISION NOT NULL,
        body        BYTEA NOT NULL
    );
    CREATE TABLE webhook_deliveries (
        id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        event_id         TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
        webhook_id       TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        state            TEXT NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  DOUBLE PRECISION,
        lease_token      TEXT,
        lease_until      DOUBLE PRECISION,
        lease_owner      BIGINT,
        last_status      INTEGER,
        last_error       TEXT,
        created_at       DOUBLE PRECISION NOT NULL,
        updated_at       DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
    CREATE INDEX webhook_deliveries_webhook
        ON webhook_deliveries(webhook_id, state, next_attempt_at);
    CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
    CREATE INDEX webhook_deliveries_lease ON webhook_deliveries(lease_token);
    CREATE TABLE webhook_attempts (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        delivery_id   BIGINT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempted_at  DOUBLE PRECISION NOT NULL,
        status        INTEGER,
        error         TEXT,
        latency       DOUBLE PRECISION,
        response      BYTEA
    );
    CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
    """,
    # 4: model versions (seq keeps the order of recording, as SQLite's rowid does)
    """
    CREATE TABLE model_versions (
        version     TEXT PRIMARY KEY,
        project     TEXT,
        origin      TEXT NOT NULL,
        parent      TEXT,
        path        TEXT NOT NULL,
        created_at  DOUBLE PRECISION NOT NULL,
        status      TEXT NOT NULL,
        report      TEXT NOT NULL DEFAULT '{}',
        seq         BIGINT GENERATED BY DEFAULT AS IDENTITY
    );
    CREATE TABLE model_active (
        scope       TEXT PRIMARY KEY,
        version     TEXT NOT NULL REFERENCES model_versions(version),
        changed_at  DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE model_promotions (
        id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        scope        TEXT NOT NULL,
        version      TEXT NOT NULL,
        previous     TEXT,
        at           DOUBLE PRECISION NOT NULL,
        reason       TEXT NOT NULL,
        rolled_back  INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX model_promotions_scope ON model_promotions(scope, id);
    CREATE TABLE training_locks (
        name         TEXT PRIMARY KEY,
        owner        TEXT NOT NULL,
        acquired_at  DOUBLE PRECISION NOT NULL,
        expires_at   DOUBLE PRECISION NOT NULL
    );
    """,
    # 5: usage counts and per-key limits
    """
    CREATE TABLE usage_counts (
        key_id    TEXT NOT NULL,
        month     TEXT NOT NULL,
        api       TEXT NOT NULL,
        project   TEXT NOT NULL,
        requests  BIGINT NOT NULL DEFAULT 0,
        refused   BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (key_id, month, api)
    );
    CREATE INDEX usage_counts_month ON usage_counts(month, project);
    CREATE TABLE key_limits (
        key_id      TEXT PRIMARY KEY,
        rate        DOUBLE PRECISION NOT NULL DEFAULT 0,
        burst       INTEGER NOT NULL DEFAULT 0,
        quota       BIGINT NOT NULL DEFAULT 0,
        updated_at  DOUBLE PRECISION NOT NULL
    );
    """,
    # 6: actors (SQLite's script is portable as it is)
    MIGRATIONS[5],
    # 7: recent scores
    """
    CREATE TABLE recent_scores (
        id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        project    TEXT NOT NULL,
        at         DOUBLE PRECISION NOT NULL,
        toxicity   DOUBLE PRECISION,
        sexual     DOUBLE PRECISION,
        phishing   DOUBLE PRECISION,
        weight     DOUBLE PRECISION NOT NULL DEFAULT 1
    );
    CREATE INDEX recent_scores_project ON recent_scores(project, id);
    CREATE INDEX recent_scores_at ON recent_scores(at);
    """,
    # 8: a token bucket per rate-limited key (processes lease its tokens in small batches) and
    # the month's requests of each key with a quota (one statement per request): UNLOGGED, so
    # that their commits wait for no WAL flush (a crash of the server empties them: every bucket
    # starts full again, and the quota counts start again from the stored usage counts); and
    # the login throttle per address.
    """
    CREATE UNLOGGED TABLE rate_buckets (
        key_id      TEXT PRIMARY KEY,
        tokens      DOUBLE PRECISION NOT NULL,
        updated_at  DOUBLE PRECISION NOT NULL,
        granted     INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNLOGGED TABLE quota_used (
        key_id  TEXT NOT NULL,
        month   TEXT NOT NULL,
        used    BIGINT NOT NULL,
        PRIMARY KEY (key_id, month)
    );
    CREATE TABLE login_throttle (
        address       TEXT PRIMARY KEY,
        failures      INTEGER NOT NULL,
        locked_until  DOUBLE PRECISION NOT NULL,
        updated_at    DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX login_throttle_updated ON login_throttle(updated_at);
    """,
    # 9: the usage flush batches applied
    """
    CREATE TABLE usage_flushes (
        id          TEXT PRIMARY KEY,
        attempt     TEXT NOT NULL,
        applied_at  DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX usage_flushes_applied ON usage_flushes(applied_at);
    """,
    # 10: recent scores of every label with thresholds
    """
    ALTER TABLE recent_scores ADD COLUMN harassment DOUBLE PRECISION;
    ALTER TABLE recent_scores ADD COLUMN hate DOUBLE PRECISION;
    ALTER TABLE recent_scores ADD COLUMN violence DOUBLE PRECISION;
    ALTER TABLE recent_scores ADD COLUMN self_harm DOUBLE PRECISION;
    ALTER TABLE recent_scores ADD COLUMN profanity DOUBLE PRECISION;
    ALTER TABLE recent_scores ADD COLUMN insult DOUBLE PRECISION;
    ALTER TABLE recent_scores ADD COLUMN threat DOUBLE PRECISION;
    ALTER TABLE recent_scores ADD COLUMN identity_attack DOUBLE PRECISION;
    """,
]
