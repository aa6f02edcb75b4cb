"""What every command shares: settings from flags, environment and config file (in that
order of precedence), and config errors as one line with exit status 2."""

from __future__ import annotations

import pytest

from tests.helpers.cli import cli, run


@pytest.mark.slow
def test_bad_config_file_is_one_line_and_exit_status_2(tmp_path, db_path):
    config = tmp_path / "bad.toml"
    config.write_text("[server]\nport = 99999\n")
    done = cli("keys", "list", "--db", str(db_path), "--config", str(config))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "server.port" in done.stderr and "Traceback" not in done.stderr

    config.write_text("[server]\nprot = 1\n")
    done = cli("serve", "--db", str(db_path), "--config", str(config))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("spectrum-rpc: config error:")
    assert "server.prot" in done.stderr


@pytest.mark.slow
def test_bad_environment_is_a_config_error(db_path):
    done = cli("keys", "list", "--db", str(db_path), SPECTRUM_RPC_SERVER_PORT="eighty")
    assert done.returncode == 2
    assert "server.port" in done.stderr and done.stderr.count("\n") == 1


def test_out_of_range_config_values_exit_with_status_2(capsys, tmp_path, db_path):
    config = tmp_path / "bad.toml"
    for text, key in (
        ("[engine]\nmax_delay = -1\n", "engine.max_delay"),
        ("[server]\nshutdown_timeout = -5\n", "server.shutdown_timeout"),
    ):
        config.write_text(text)
        status, _, err = run(capsys, "keys", "list", "--db", str(db_path), "--config", str(config))
        assert status == 2
        assert err.count("\n") == 1 and f"config key {key} must" in err


@pytest.mark.slow
def test_flags_override_the_environment_which_overrides_the_config_file(tmp_path):
    in_file, in_env, in_flag = (tmp_path / name for name in ("file.db", "env.db", "flag.db"))
    config = tmp_path / "site.toml"
    config.write_text(f'[store]\npath = "{in_file}"\n')
    steps = [  # (arguments, environment, the database that must get the key)
        ([], {}, in_file),
        ([], {"SPECTRUM_RPC_STORE_PATH": str(in_env)}, in_env),
        (["--db", str(in_flag)], {"SPECTRUM_RPC_STORE_PATH": str(in_env)}, in_flag),
    ]
    for number, (extra, env, expected) in enumerate(steps):
        done = cli("keys", "create", "--name", f"k{number}", "--config", str(config), *extra,
                   **env)
        assert done.returncode == 0, done.stderr
        listed = cli("keys", "list", "--db", str(expected))
        assert f"k{number}" in listed.stdout, (number, listed.stdout)
    for db, name in ((in_file, "k0"), (in_env, "k1"), (in_flag, "k2")):  # only its own key
        rows = cli("keys", "list", "--db", str(db)).stdout.strip().splitlines()[1:]
        assert [row.split()[2] for row in rows] == [name]
