"""`spectrum-rpc admin create-user|list-users`, run in-process."""

from __future__ import annotations

from spectrum_rpc.cli import main as cli_main
from tests.helpers.admin import PASSWORD


def test_cli_create_user_reads_password_from_stdin(tmp_path, monkeypatch, capsys):
    import io

    db = str(tmp_path / "db")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    args = ["admin", "create-user", "--db", db, "--name", "carol", "--password-stdin"]
    assert cli_main(args) == 0
    assert cli_main(["admin", "list-users", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "carol" in out and PASSWORD not in out
