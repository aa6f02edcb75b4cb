"""The frozen settings object: defaults < config TOML < SPECTRUM_RPC_* environment < CLI flags."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .labels import DECIDED, SCORABLE
from .thresholds import OFF, Pair, parse_config

ENV_PREFIX = "SPECTRUM_RPC_"
# Variables with the prefix that are not settings: the scripts' and the tests' own.
NOT_SETTINGS = frozenset({"SPECTRUM_RPC_DATA_DIR", "SPECTRUM_RPC_E2E_SCREENSHOTS"})

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A configuration value is missing, unknown or of the wrong type; the message names the key."""


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 16 * 1024 * 1024
    max_batch_size: int = 1000
    batch_concurrency: int = 128
    shutdown_timeout: float = 30.0
    max_pending_body_bytes: int = 128 * 1024 * 1024
    body_wait: float = 30.0
    max_connections: int = 0  # 0 = below the open-file limit (connections.connection_limit)
    idle_timeout: float = 75.0
    # Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For,
    # X-Forwarded-Proto and Forwarded headers are believed; empty: nobody's.
    trusted_proxies: str = ""


@dataclass(frozen=True)
class AdminSettings:
    # The admin UI's forms and JSON API take small bodies; login is unauthenticated.
    max_body_bytes: int = 64 * 1024
    # Settings shows each label's flag and review rates on a project's recent traffic: the
    # scores (never the text) of a sample of its texts (at most 240 a minute) are kept, its
    # latest `recent_scores` of the last `recent_days` days. 0 keeps none.
    recent_scores: int = 10000
    recent_days: float = 7.0


@dataclass(frozen=True)
class StoreSettings:
    # A SQLite file, or a postgresql://user@host:port/dbname URL (password in the URL, in
    # PGPASSWORD or in ~/.pgpass; never logged).
    path: str = field(default="var/spectrum.db", repr=False)
    commit_max_batch: int = 2000
    synchronous: str = "FULL"
    # PostgreSQL: connections per process (the group-commit writer, readers, locks).
    pool_size: int = 10
    # PostgreSQL: seconds after which a process that stopped answering (frozen, or its host
    # gone without closing its connections) loses its liveness lock, and so its webhook claims.
    liveness_timeout: float = 10.0
    # Seconds after an API key, a project's settings or its webhooks were last read that the
    # server keeps using them while the database cannot be reached (0: refuse at once).
    outage_grace: float = 60.0
    # Webhook secrets are encrypted under the first of these keys (comma-separated), and
    # readable with any: best from the environment (SPECTRUM_RPC_STORE_MASTER_KEY) or a file.
    master_key: str = field(default="", repr=False)
    master_key_file: str = ""


@dataclass(frozen=True)
class AuthSettings:
    key_cache_ttl: float = 1.0
    last_used_flush_interval: float = 30.0


@dataclass(frozen=True)
class UsageSettings:
    flush_interval: float = 1.0


@dataclass(frozen=True)
class EngineSettings:
    model_dir: str = ""
    max_batch: int = 64
    max_delay: float = 0.002
    workers: int = 0
    processes: bool = True
    data_dir: str = "../shared/data"
    detector_process_chars: int = 262144
    # The encoder tier (a fine-tuned MiniLM, asked only for texts of at most 768 characters whose
    # phishing score lies near its threshold) when the model has one; false = the linear tier alone.
    encoder: bool = True


@dataclass(frozen=True)
class ThresholdSettings:
    # Every label moderateText scores has a Pair (thresholds.py): reject and review, each a
    # score or None (off); in the config file a number (reject, its review REVIEW_SHARE = 0.75
    # of it), [reject], [reject, review], a table {reject, review}, or [] for off. classifyText's
    # three labels always have a reject threshold.
    # Their served defaults: each decided label's best F1 averaged over development data of
    # several sources, chosen by `make models` (engine.json "served_calibration" records the
    # choice and its bootstrap interval; tests/training/test_calibration.py holds them equal).
    toxicity: Pair = Pair.of_reject(0.21)
    sexual: Pair = Pair.of_reject(0.47)
    phishing: Pair = Pair.of_reject(0.38)
    # The others: off (never flagged unless a project sets a pair) or chosen by
    # scripts/choose_thresholds.py by F1 on development data (the moderation samples'
    # development part; the toxic-span model's tune split), with the review at 0.75 of reject;
    # left off where fewer than 15 positives, a best F1 under 0.4 or a bootstrap interval wider
    # than 0.2 could not support a default (docs/BENCHMARKS.md, "Per-label decision thresholds";
    # training/label_thresholds.py; tests/training/test_label_thresholds.py holds them equal).
    insult: Pair = Pair(0.39, 0.2925)
    threat: Pair = OFF
    identity_attack: Pair = OFF
    profanity: Pair = OFF
    harassment: Pair = OFF
    hate: Pair = OFF
    violence: Pair = OFF
    self_harm: Pair = OFF


@dataclass(frozen=True)
class WebhookSettings:
    enabled: bool = True
    schedule: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    jitter: float = 0.2
    timeout: float = 15.0
    concurrency: int = 32
    per_webhook_concurrency: int = 4
    poll_interval: float = 1.0
    max_response_bytes: int = 4096
    retry_after_max: float = 36000.0
    disable_after_failing_for: float = 5 * 86400.0
    retention: float = 30 * 86400.0
    rotation_window: float = 86400.0
    allow_private_addresses: bool = False
    include_text: bool = False
    attempt_tries: int = 3
    attempt_retry_max_delay: float = 10.0
    prune_interval: float = 3600.0
    cache_ttl: float = 1.0


@dataclass(frozen=True)
class TrainingSettings:
    # Model versions live here; empty = a "models" directory next to the database file.
    model_root: str = ""
    base_data: str = "../shared/data"
    schedule_interval: float = 0.0
    poll_interval: float = 5.0
    holdout_share: float = 0.2
    min_holdout: int = 10
    tolerance: float = 0.01
    min_gain: float = 0.0
    gain_standard_errors: float = 1.0
    max_key_share: float = 1.0
    method: str = "finetune"
    feedback_weight: float = 1.0
    feedback_rate: float = 0.0
    feedback_burst: int = 100
    lock_ttl: float = 7200.0


@dataclass(frozen=True)
class MetricsSettings:
    # Prometheus metrics at /metrics: off by default; when on, default-deny.
    enabled: bool = False
    # Comma-separated networks whose clients may scrape without a token.
    allow_from: str = "127.0.0.0/8, ::1/128"
    # When set, a client anywhere may scrape with `Authorization: Bearer TOKEN`.
    token: str = ""


@dataclass(frozen=True)
class PerspectiveSettings:
    # The largest comment.text comments:analyze and comments:suggestscore take, in bytes of
    # UTF-8: Perspective's own limit (20 KB) by default.
    max_comment_bytes: int = 20480


@dataclass(frozen=True)
class ImageSettings:
    # Images and GIFs by URL (discuse's image_url/gif_url, OpenAI's image_url parts), scored by
    # the optional `images` extra; without it they are answered "unsupported".
    enabled: bool = True
    # Fetching: bytes read at most, seconds for the whole fetch, redirects followed (each hop is
    # checked by the SSRF guard again), URLs per request.
    max_bytes: int = 10 * 1024 * 1024
    timeout: float = 10.0
    max_redirects: int = 3
    max_per_request: int = 10
    # Decoding (checked from the header, before any pixel is decoded): pixels per frame, frames
    # of an animation, and frames times pixels of an animation (decompression bombs).
    max_pixels: int = 25_000_000
    max_frames: int = 500
    max_total_pixels: int = 250_000_000
    # Frames of a GIF scored, spread evenly over it (the first and the last among them).
    sample_frames: int = 8
    # Images decoded and scored at once, each in a thread of its own (off the event loop). One
    # leaves the other cores to the text engine and bounds decoding memory (docs/BENCHMARKS.md).
    concurrency: int = 1
    # `hit` (discuse) and `flagged` (OpenAI) when an image's score reaches this.
    threshold: float = 0.5
    # Allow fetching from private, loopback and link-local addresses (refused by default: SSRF).
    allow_private_addresses: bool = False


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    thresholds: ThresholdSettings = field(default_factory=ThresholdSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    admin: AdminSettings = field(default_factory=AdminSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    usage: UsageSettings = field(default_factory=UsageSettings)
    perspective: PerspectiveSettings = field(default_factory=PerspectiveSettings)
    images: ImageSettings = field(default_factory=ImageSettings)

    def replace(self, **sections: Mapping[str, Any]) -> Settings:
        """Return a copy with some keys of some sections replaced (values are coerced)."""
        return _merge(self, {name: dict(values) for name, values in sections.items()}, "")


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Build settings from defaults, an optional TOML file, the environment and overrides."""
    settings = Settings()
    if config_file is not None:
        settings = _merge(settings, _read_toml(Path(config_file)), "")
    settings = _merge(settings, _from_environ(environ if environ is not None else os.environ), "")
    if overrides:
        settings = _merge(settings, {k: dict(v) for k, v in overrides.items()}, "")
    _check_ranges(settings)
    return settings


# Numeric keys by range (thresholds, shares, port and jitter have their own bounds below).
# The tests are written `not value > 0` so that NaN, which compares false, fails them too.
_GREATER_THAN_ZERO = (
    "server.max_body_bytes",
    "server.max_batch_size",
    "server.batch_concurrency",
    "server.shutdown_timeout",
    "server.max_pending_body_bytes",
    "server.idle_timeout",
    "store.commit_max_batch",
    "store.pool_size",
    "store.liveness_timeout",
    "admin.max_body_bytes",
    "admin.recent_days",
    # 0 would make the flusher an asyncio.sleep(0) loop that spins a core.
    "auth.last_used_flush_interval",
    "usage.flush_interval",
    "engine.max_batch",
    "webhooks.timeout",
    "webhooks.concurrency",
    "webhooks.per_webhook_concurrency",
    "webhooks.poll_interval",
    "webhooks.max_response_bytes",
    "webhooks.disable_after_failing_for",
    "webhooks.retention",
    "webhooks.attempt_tries",
    "webhooks.prune_interval",
    "training.poll_interval",
    "training.min_holdout",
    "training.feedback_weight",
    "training.feedback_burst",
    "training.lock_ttl",
    "perspective.max_comment_bytes",
    "images.max_bytes",
    "images.timeout",
    "images.max_per_request",
    "images.max_pixels",
    "images.max_frames",
    "images.max_total_pixels",
    "images.sample_frames",
    "images.concurrency",
)
# Here 0 means something: no wait, no cache, no overlap, "off" (schedule_interval), or
# "pick from the CPU count" (engine.workers), "never" (engine.detector_process_chars).
_NOT_NEGATIVE = (
    "admin.recent_scores",
    "server.body_wait",
    "server.max_connections",
    "auth.key_cache_ttl",
    "store.outage_grace",
    "engine.max_delay",
    "engine.workers",
    "engine.detector_process_chars",
    "webhooks.retry_after_max",
    "webhooks.rotation_window",
    "webhooks.attempt_retry_max_delay",
    "webhooks.cache_ttl",
    "training.schedule_interval",
    "training.tolerance",
    "training.min_gain",
    "training.gain_standard_errors",
    "training.feedback_rate",
    "images.max_redirects",
)


def _check_ranges(settings: Settings) -> None:
    """Refuse values of the right type that make no sense (a port of 70000, a threshold of 2)."""
    for name in SCORABLE:
        problem = getattr(settings.thresholds, name).problem(required=name in DECIDED)
        if problem:
            raise ConfigError(f"config key thresholds.{name} {problem} ([] or an empty field: "
                              "off; a number: reject; [reject, review])")
    if not 0 <= settings.server.port <= 65535:
        raise ConfigError("config key server.port must be between 0 and 65535")
    for key in _GREATER_THAN_ZERO:
        if not _value(settings, key) > 0:
            raise ConfigError(f"config key {key} must be greater than 0")
    for key in _NOT_NEGATIVE:
        if not _value(settings, key) >= 0:
            raise ConfigError(f"config key {key} must not be negative")
    _check_training(settings.training)
    if not 0.0 <= settings.webhooks.jitter < 1.0:
        raise ConfigError("config key webhooks.jitter must be at least 0 and below 1")
    schedule = settings.webhooks.schedule
    if not schedule or not all(delay >= 0 for delay in schedule):
        raise ConfigError("config key webhooks.schedule must list one or more delays, all >= 0")
    if not 0.0 <= settings.images.threshold <= 1.0:
        raise ConfigError("config key images.threshold must be between 0 and 1")
    _check_networks("metrics.allow_from", settings.metrics.allow_from)
    _check_networks("server.trusted_proxies", settings.server.trusted_proxies)
    if settings.store.synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
        raise ConfigError("config key store.synchronous must be FULL, NORMAL or EXTRA")
    if settings.store.master_key and settings.store.master_key_file:
        raise ConfigError(
            "config keys store.master_key and store.master_key_file: set one, not both"
        )


def _check_networks(key: str, value: str) -> None:
    for network in networks(value):
        try:
            ipaddress.ip_network(network)
        except ValueError:
            raise ConfigError(f"config key {key}: {network!r} is not a network "
                              "(such as 10.0.0.0/8 or ::1/128)") from None


def networks(value: str) -> list[str]:
    """Split a comma-separated list of networks."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _value(settings: Settings, key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(settings, section), name)


def _check_training(training: TrainingSettings) -> None:
    for name in ("holdout_share", "max_key_share"):
        if not 0.0 < getattr(training, name) <= 1.0:
            raise ConfigError(f"config key training.{name} must be above 0 and at most 1")
    if training.method not in ("finetune", "refit"):
        raise ConfigError('config key training.method must be "finetune" or "refit"')


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Map SPECTRUM_RPC_SECTION_KEY=value onto {section: {key: value}}."""
    sections = {f.name: f.type for f in dataclasses.fields(Settings)}
    found: dict[str, dict[str, Any]] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section = next((s for s in sections if rest.startswith(s + "_")), None)
        if section is None:
            if name not in NOT_SETTINGS:  # a typo would otherwise be ignored without a word
                log.warning("ignoring %s: it names no setting (SPECTRUM_RPC_<SECTION>_<KEY>, "
                            "sections: %s)", name, ", ".join(sections))
            continue
        found.setdefault(section, {})[rest[len(section) + 1 :]] = value
    return found


def _merge(obj: Any, values: Mapping[str, Any], prefix: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if key not in known:
            raise ConfigError(f"unknown config key: {name}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current) and not isinstance(current, Pair):
            if not isinstance(value, Mapping):
                raise ConfigError(f"config key {name} must be a table")
            changes[key] = _merge(current, value, name + ".")
        else:
            changes[key] = _coerce(name, current, value)
    return dataclasses.replace(obj, **changes)


def _coerce(name: str, current: Any, value: Any) -> Any:
    """Coerce a value (possibly a string from the environment) to the type of the default."""
    if isinstance(current, Pair):
        try:
            return parse_config(value)
        except (TypeError, ValueError):
            raise ConfigError(f"config key {name} must be a number (reject), [reject, review], "
                              f"a table {{reject, review}} or [] (off), got {_cut(value)}"
                              ) from None
    try:
        if isinstance(current, bool):
            return _to_bool(value)
        if isinstance(current, int):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if isinstance(current, float):
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if isinstance(current, tuple):
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(float(v) for v in items)
        if isinstance(current, str) and isinstance(value, str):
            return value
    except (TypeError, ValueError):
        pass
    raise ConfigError(f"config key {name} must be of type {type(current).__name__}, "
                      f"got {_cut(value)}")


_VALUE_CUT = 60  # a config error repeats at most this much of the value it was given


def _cut(value: Any) -> str:
    """Return a bad config value as an error message shows it: its repr, cut."""
    text = repr(value)
    return text if len(text) <= _VALUE_CUT else f"{text[:_VALUE_CUT]}… ({len(text)} characters)"


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)
