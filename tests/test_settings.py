"""Settings: defaults < TOML < environment < overrides; bad values name their key."""

from __future__ import annotations

import dataclasses

import pytest

from spectrum_rpc.settings import ConfigError, Settings, load_settings


def write(tmp_path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_defaults():
    settings = load_settings(environ={})
    assert settings == Settings()
    assert settings.server.port == 8080
    assert settings.thresholds.toxicity.reject == 0.21  # the shipped model's chosen default


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_settings(environ={}).server.port = 1  # type: ignore[misc]


def test_precedence_defaults_toml_environment_overrides(tmp_path):
    config = write(tmp_path, '[server]\nport = 9001\nhost = "0.0.0.0"\n[store]\npath = "a.db"\n')
    from_file = load_settings(config, environ={})
    assert (from_file.server.port, from_file.server.host) == (9001, "0.0.0.0")

    env = {"SPECTRUM_RPC_SERVER_PORT": "9002", "SPECTRUM_RPC_STORE_PATH": "b.db"}
    from_env = load_settings(config, environ=env)
    assert (from_env.server.port, from_env.server.host) == (9002, "0.0.0.0")
    assert from_env.store.path == "b.db"

    overridden = load_settings(config, environ=env, overrides={"server": {"port": 9003}})
    assert overridden.server.port == 9003
    assert overridden.store.path == "b.db"


def test_environment_values_are_coerced():
    env = {
        "SPECTRUM_RPC_THRESHOLDS_TOXICITY": "0.7",
        "SPECTRUM_RPC_WEBHOOKS_ENABLED": "off",
        "SPECTRUM_RPC_WEBHOOKS_SCHEDULE": "0,1,2.5",
        "SPECTRUM_RPC_AUTH_KEY_CACHE_TTL": "3",
        "SPECTRUM_RPC_DATA_DIR": "ignored: not a settings section",
        "OTHER_VARIABLE": "ignored",
    }
    settings = load_settings(environ=env)
    assert settings.thresholds.toxicity.reject == 0.7
    assert settings.webhooks.enabled is False
    assert settings.webhooks.schedule == (0.0, 1.0, 2.5)
    assert settings.auth.key_cache_ttl == 3.0


def test_the_shipped_config_file_holds_the_defaults():
    assert load_settings("config/default.toml", environ={}) == Settings()


def test_replace_returns_a_changed_copy():
    settings = load_settings(environ={})
    changed = settings.replace(server={"port": "9000"})
    assert changed.server.port == 9000 and settings.server.port == 8080


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"server": {"prot": 1}}, "server.prot"),
        ({"nosuch": {"a": 1}}, "nosuch"),
        ({"server": {"port": "eighty"}}, "server.port"),
        ({"server": {"port": 1.5}}, "server.port"),
        ({"server": {"port": True}}, "server.port"),
        ({"server": {"port": 70000}}, "server.port"),
        ({"server": {"max_body_bytes": 0}}, "server.max_body_bytes"),
        ({"server": {"host": 5}}, "server.host"),
        ({"thresholds": {"toxicity": 1.5}}, "thresholds.toxicity"),
        ({"thresholds": {"sexual": -0.1}}, "thresholds.sexual"),
        ({"webhooks": {"enabled": "maybe"}}, "webhooks.enabled"),
        ({"store": {"synchronous": "OFF"}}, "store.synchronous"),
    ],
)
def test_invalid_values_name_the_key(overrides, key):
    with pytest.raises(ConfigError, match=rf"\b{key}\b"):
        load_settings(environ={}, overrides=overrides)


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("server.shutdown_timeout", -5.0, "greater than 0"),
        ("server.shutdown_timeout", 0.0, "greater than 0"),
        ("server.body_wait", float("nan"), "not be negative"),
        ("server.shutdown_timeout", float("nan"), "greater than 0"),
        ("auth.key_cache_ttl", -1.0, "not be negative"),
        ("auth.last_used_flush_interval", 0.0, "greater than 0"),
        ("auth.last_used_flush_interval", float("nan"), "greater than 0"),
        ("engine.max_delay", -1.0, "not be negative"),
        ("engine.max_delay", float("nan"), "not be negative"),
        ("engine.workers", -1, "not be negative"),
        ("webhooks.max_response_bytes", 0, "greater than 0"),
        ("webhooks.retry_after_max", -1.0, "not be negative"),
        ("webhooks.disable_after_failing_for", 0.0, "greater than 0"),
        ("webhooks.retention", 0.0, "greater than 0"),
        ("webhooks.rotation_window", -1.0, "not be negative"),
        ("webhooks.attempt_retry_max_delay", -1.0, "not be negative"),
        ("webhooks.prune_interval", 0.0, "greater than 0"),
        ("webhooks.cache_ttl", -1.0, "not be negative"),
        ("webhooks.schedule", (0.0, float("nan")), "all >= 0"),
        ("training.min_holdout", 0, "greater than 0"),
        ("training.poll_interval", float("nan"), "greater than 0"),
        ("training.tolerance", float("nan"), "not be negative"),
    ],
)
def test_out_of_range_values_name_the_key_and_the_rule(key, value, rule):
    section, name = key.split(".")
    with pytest.raises(ConfigError, match=rf"^config key {key} must .*{rule}"):
        load_settings(environ={}, overrides={section: {name: value}})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("auth.key_cache_ttl", 0.0),  # no cache: every request reads the store
        ("webhooks.cache_ttl", 0.0),
        ("engine.max_delay", 0.0),  # flush each batch at once
        ("engine.workers", 0),  # 0 = pick from the CPU count
        ("webhooks.retry_after_max", 0.0),  # ignore Retry-After
        ("webhooks.rotation_window", 0.0),  # the old secret stops at once
        ("webhooks.attempt_retry_max_delay", 0.0),
        ("server.body_wait", 0.0),
    ],
)
def test_zero_is_accepted_where_it_means_something(key, value):
    section, name = key.split(".")
    settings = load_settings(environ={}, overrides={section: {name: value}})
    assert getattr(getattr(settings, section), name) == value


def test_invalid_environment_names_the_key():
    with pytest.raises(ConfigError, match="server.port"):
        load_settings(environ={"SPECTRUM_RPC_SERVER_PORT": "http"})
    with pytest.raises(ConfigError, match="server.bogus"):
        load_settings(environ={"SPECTRUM_RPC_SERVER_BOGUS": "1"})


def test_invalid_toml_files(tmp_path):
    with pytest.raises(ConfigError, match="server.prot"):
        load_settings(write(tmp_path, "[server]\nprot = 1\n"), environ={})
    with pytest.raises(ConfigError, match="server must be a table"):
        load_settings(write(tmp_path, "server = 5\n"), environ={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[server\n"), environ={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", environ={})
