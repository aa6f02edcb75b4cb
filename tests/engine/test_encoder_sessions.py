"""Engines whose encoder file is the same (a retrained version and its base) share one
onnxruntime session in a process; a different file gets its own; the cache is bounded."""

from __future__ import annotations

from pathlib import Path

from spectrum_rpc.engine import load_engine
from spectrum_rpc.engine.sessions import SharedSessions
from tests.helpers.training import add_encoder, write_base, write_model


def test_two_versions_with_the_same_encoder_file_share_one_session(tmp_path: Path) -> None:
    base = write_base(tmp_path / "base")
    first = write_model(tmp_path / "v1", base, version="tiny-1")
    second = write_model(tmp_path / "v2", base, version="tiny-2")
    add_encoder(first)
    add_encoder(second, low=0.02)  # another version: other bands, the same encoder file
    one, two = load_engine(first), load_engine(second)
    assert one.encoder is not None and two.encoder is not None
    assert one.encoder is not two.encoder and one.encoder.bands != two.encoder.bands
    one.encoder.load()
    two.encoder.load()
    assert one.encoder._session is two.encoder._session
    text = ["video nice"]
    assert (one.encoder.logits(text) == two.encoder.logits(text)).all()


def test_the_cache_builds_once_per_key_and_keeps_at_most_its_size() -> None:
    cache: SharedSessions[object] = SharedSessions(size=2)
    built: list[str] = []

    def build(key: str):  # type: ignore[no-untyped-def]
        def make() -> object:
            built.append(key)
            return object()
        return make

    a = cache.get("a", build("a"))
    assert cache.get("a", build("a")) is a and built == ["a"]
    b = cache.get("b", build("b"))
    assert b is not a
    cache.get("a", build("a"))  # used last: "b" is now the oldest
    cache.get("c", build("c"))
    assert len(cache) == 2 and built == ["a", "b", "c"]
    assert cache.get("a", build("a")) is a  # kept
    assert cache.get("b", build("b")) is not b and built[-1] == "b"  # dropped, built again
