"""Person names: document 001's component examples, modes, look-alikes, offsets, long texts."""

from __future__ import annotations

import json
import shutil

import pytest

from spectrum_rpc.engine.manifest import ModelIntegrityError
from spectrum_rpc.engine.pii import name_model, names
from spectrum_rpc.engine.pii.names import MODEL_DIR, Match, Mode, find

DOC = "My name is Albus Percival Dumbledore"


def texts(matches: list[Match]) -> list[str]:
    return [m.text for m in matches]


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        (["first", "middle", "last"], ["Albus Percival Dumbledore"]),
        (["middle", "last"], ["Percival Dumbledore"]),
        (["last"], ["Dumbledore"]),
    ],
)
def test_document_001_component_examples(components, expected):
    assert texts(find(DOC, Mode.NORMAL, components)) == expected


def test_components_that_are_not_adjacent_come_back_apart():
    matches = find(DOC, Mode.NORMAL, ["first", "last"])
    assert [(m.text, m.component) for m in matches] == [("Albus", "first"), ("Dumbledore", "last")]


def test_a_whole_name_has_no_component_and_offsets_into_the_text():
    (match,) = find(DOC, Mode.NORMAL)
    assert match == Match("name", "Albus Percival Dumbledore", 11, 36, Mode.NORMAL, None)
    assert DOC[match.begin:match.end] == match.text


def test_unknown_component_is_refused():
    with pytest.raises(ValueError, match="nickname"):
        find(DOC, Mode.NORMAL, ["nickname"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I had lunch with Sarah Connor yesterday", ["Sarah Connor"]),
        ("Thanks to Barack Obama for the speech", ["Barack Obama"]),
        ("Please ask Emily Johnson to call me back", ["Emily Johnson"]),
    ],
)
def test_names_in_context_at_normal(text, expected):
    assert texts(find(text, Mode.NORMAL)) == expected


def test_a_single_name_after_a_title_is_a_last_name():
    matches = find("I spoke to Mr. Fernandez about the invoice", Mode.NORMAL)
    assert [(m.text, m.component) for m in matches] == [("Fernandez", None)]
    assert texts(find("I spoke to Mr. Fernandez about it", Mode.NORMAL, ["first"])) == []
    assert texts(find("I spoke to Mr. Fernandez about it", Mode.NORMAL, ["last"])) == [
        "Fernandez"]


def test_a_single_name_without_a_title_is_a_first_name():
    assert texts(find("Sometimes people call me Roland", Mode.NORMAL, ["first"])) == ["Roland"]
    assert texts(find("Sometimes people call me Roland", Mode.NORMAL, ["last"])) == []


def test_a_particle_belongs_to_the_last_name():
    matches = find("a concert of Ludwig van Beethoven tonight", Mode.SUSPICIOUS, ["last"])
    assert texts(matches) == ["van Beethoven"]


def test_lower_case_names_are_suspicious_not_normal():
    text = "my name is albus dumbledore"
    assert find(text, Mode.NORMAL) == []
    matches = find(text, Mode.SUSPICIOUS)
    assert texts(matches) == ["albus dumbledore"]
    assert matches[0].mode is Mode.SUSPICIOUS
    assert texts(find(text, Mode.PARANOID)) == ["albus dumbledore"]


def test_modes_nest():
    text = "lol ask jenny or Mark Twain, or maybe that guy kyle from work"
    normal, suspicious, paranoid = (
        {(m.begin, m.end) for m in find(text, mode)} for mode in Mode)
    assert normal <= suspicious <= paranoid
    assert Mode.NORMAL < Mode.SUSPICIOUS < Mode.PARANOID
    by_span = {(m.begin, m.end): m.mode for m in find(text, Mode.PARANOID)}
    assert all(by_span[span] is Mode.NORMAL for span in normal)  # the lowest mode that finds it


@pytest.mark.parametrize(
    "text",
    [
        "Today is Monday and the meeting moved to Friday in March",
        "See you in June or July, maybe August",
        "Apple and Google released new phones, Samsung did not",
        "Great. Thanks. Sure. Absolutely. Wonderful.",
        "The President said the Government will act",
        "Check https://example.com/JohnSmith or mail john.smith@example.com",
    ],
)
def test_innocent_look_alikes_are_not_names_at_normal(text):
    assert find(text, Mode.NORMAL) == []


@pytest.mark.xfail(strict=True, reason="known weakness: a capitalised brand in a subject slot "
                   "looks like a name to the tagger (P 0.46 >= NORMAL's 0.25)")
def test_microsoft_is_not_a_name():
    assert find("Apple and Microsoft released new phones", Mode.NORMAL) == []


def test_self_introductions_in_any_casing():
    assert texts(find("im john from accounting", Mode.SUSPICIOUS)) == ["john"]
    assert texts(find("a guy named bob smith", Mode.SUSPICIOUS)) == ["bob smith"]
    assert find("I am Canadian and proud", Mode.PARANOID) == []
    assert find("My name is not important", Mode.PARANOID) == []


def test_mentions_are_usernames_not_names():
    matches = find("@MichaelVaughan great innings today", Mode.PARANOID)
    assert all("MichaelVaughan" not in m.text and m.text != "@" for m in matches)


def test_offsets_after_non_ascii_text_are_code_points():
    text = "😀 Ünïcødé ✓ — Zoë wrote: thanks to Sarah Connor 🎉"
    matches = find(text, Mode.NORMAL)
    assert "Sarah Connor" in texts(matches)
    for m in matches:
        assert text[m.begin:m.end] == m.text


def test_long_text_matches_in_every_block(monkeypatch):
    monkeypatch.setattr(names, "_BLOCK", 7)  # names straddle block edges
    sentence = "Yesterday I met Sarah Connor at the station. "
    text = sentence * 50
    matches = find(text, Mode.NORMAL)
    assert texts(matches) == ["Sarah Connor"] * 50
    assert [m.begin for m in matches] == [16 + i * len(sentence) for i in range(50)]


def test_tokenising_stays_linear_on_dotted_runs():
    # An unbounded e-mail pattern rescans the whole run from every token: hours, not a second.
    assert find("a." * 200_000, Mode.PARANOID) == []


def test_empty_and_blank_texts():
    assert find("", Mode.PARANOID) == []
    assert find("   \n\t", Mode.PARANOID) == []


def test_a_modified_model_file_is_refused(tmp_path):
    for name in (names.MODEL_FILE, names.MANIFEST_FILE):
        shutil.copy(MODEL_DIR / name, tmp_path / name)
    assert names.load_model(tmp_path).settings == names.default_model().settings
    manifest = json.loads((tmp_path / names.MANIFEST_FILE).read_text())
    manifest["sha256"][names.MODEL_FILE] = "0" * 64
    (tmp_path / names.MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        names.load_model(tmp_path)


def test_matches_are_picklable():
    import pickle

    (match,) = find(DOC, Mode.NORMAL)
    assert pickle.loads(pickle.dumps(match)) == match


def test_tokens_and_casing():
    text = "John's O'Neill @matt_levinson #AlanPardew http://t.co/x a.b@x.com Mr. Smith"
    tokens = [text[b:e] for b, e in name_model.tokenize(text)]
    assert tokens == ["John", "'s", "O'Neill", "@", "matt_levinson", "#AlanPardew",
                      "http://t.co/x", "a.b@x.com", "Mr", ".", "Smith"]
    assert name_model.capitalised("#AlanPardew") and not name_model.capitalised("#alan")
    assert [name_model.kind(t) for t in ("@", "#x", "http://t.co/x", "a.b@x.com", "42", "Zoë")] \
        == ["at", "hashtag", "url", "email", "num", "word"]
