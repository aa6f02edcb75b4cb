"""`spectrum-rpc retrain` and `spectrum-rpc models list|show|rollback|promote`, run in-process."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest

from spectrum_rpc.cli import main
from tests.helpers.training import corrections, environment, training_sections


def add_feedback(db: Path, params: list[dict], key: str = "k1") -> None:
    import hashlib

    from spectrum_rpc.store import Store

    async def add() -> None:
        async with Store(db) as store:
            for i, p in enumerate(params):
                digest = hashlib.sha256(p["content"].encode()).hexdigest()
                await store.feedback.add(project="default", key_id=key, created_at=1000.0 + i,
                                         content=p["content"], content_sha256=digest,
                                         should_block=p["shouldBlock"], labels=p.get("labels"),
                                         meta=None)

    asyncio.run(add())


@pytest.mark.slow
def test_cli_retrain_list_show_rollback_promote(tmp_path, monkeypatch, capsys):
    for name, value in environment(training_sections(tmp_path)).items():
        monkeypatch.setenv(name, value)
    db = str(tmp_path / "cli.db")
    add_feedback(Path(db), corrections(random.Random(2), 80))

    assert main(["retrain", "--db", db, "--dry-run"]) == 0
    assert "would promote" in capsys.readouterr().out
    assert main(["retrain", "--db", db, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    version = report["version"]
    assert report["decision"]["promoted"] and Path(report["path"], "training.json").is_file()

    assert main(["models", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "tiny-1" in listing and f"{version}" in listing
    assert [line.split()[-1] for line in listing.splitlines()[1:]] == ["-", "global"]
    assert main(["models", "show", version, "--db", db]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["report"]["data"]["feedback"]["rows"] == 80 and shown["promotions"]

    assert main(["models", "rollback", "--db", db]) == 0
    assert "now uses tiny-1" in capsys.readouterr().out
    assert main(["models", "rollback", "--db", db]) == 1
    assert main(["models", "promote", version, "--db", db]) == 0
    assert f"{version} is active for global" in capsys.readouterr().out
    assert main(["models", "promote", "no-such-version", "--db", db]) == 1

    monkeypatch.setenv("SPECTRUM_RPC_TRAINING_MAX_KEY_SHARE", "0.5")
    assert main(["retrain", "--db", db]) == 1
    assert "contributed 100%" in capsys.readouterr().err
