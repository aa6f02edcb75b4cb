"""Masking: templates per type, overlaps resolved longest first, document 001's example."""

from __future__ import annotations

from spectrum_rpc.engine.pii import DEFAULT_TEMPLATES, DETECTORS, Match, Mode, mask
from spectrum_rpc.engine.pii.masking import resolve_overlaps, template_for


def found(text: str, modes: dict[str, Mode]) -> list[Match]:
    return [m for kind, mode in modes.items() for m in DETECTORS[kind](text, mode)]


def test_document_001_moderation_example() -> None:
    text = "You can contact me on mr_robot[at]gmail|DOT|com or call me on 12 34 65 78"
    matches = found(text, {"email": Mode.SUSPICIOUS, "phone": Mode.NORMAL, "url": Mode.NORMAL,
                           "address": Mode.NORMAL})
    templates = {**DEFAULT_TEMPLATES, "phone": "{{ number hidden }}"}  # the document's mask
    assert mask(text, matches, templates) == (
        "You can contact me on {{ email hidden }} or call me on {{ number hidden }}")
    assert mask(text, matches) == (
        "You can contact me on {{ email hidden }} or call me on {{ phone hidden }}")


def test_default_templates_per_type() -> None:
    for kind in ("email", "phone", "url", "address", "username", "sensitive", "name"):
        assert template_for(kind) == f"{{{{ {kind} hidden }}}}"
    assert template_for("email", {"email": "[x]"}) == "[x]"
    assert template_for("other", {}) == "{{ other hidden }}"


def test_no_match_leaves_the_text_alone() -> None:
    assert mask("nothing to hide", []) == "nothing to hide"


def test_overlaps_keep_the_longest_match() -> None:
    text = "call 12 34 56 78 now"
    inner = Match("phone", "12 34", 5, 10, Mode.NORMAL)
    outer = Match("address", "12 34 56 78", 5, 16, Mode.NORMAL)
    assert resolve_overlaps([inner, outer]) == [outer]
    assert mask(text, [inner, outer]) == "call {{ address hidden }} now"


def test_equal_overlaps_are_resolved_by_type_then_order() -> None:
    phone = Match("phone", "531 21 7351", 3, 14, Mode.NORMAL)
    ssn = Match("sensitive", "531 21 7351", 3, 14, Mode.SUSPICIOUS, "ssn")
    assert resolve_overlaps([phone, ssn]) == [ssn]
    assert resolve_overlaps([ssn, phone]) == [ssn]
    assert mask("id 531 21 7351", [phone, ssn]) == "id {{ sensitive hidden }}"
    left = Match("url", "ab", 0, 2, Mode.NORMAL)
    right = Match("url", "bc", 1, 3, Mode.NORMAL)
    assert resolve_overlaps([right, left]) == [left]


def test_a_chain_of_overlaps_keeps_every_match_that_fits() -> None:
    a = Match("url", "aaaa", 0, 4, Mode.NORMAL)
    b = Match("url", "aaaaaa", 3, 9, Mode.NORMAL)
    c = Match("url", "aaaa", 8, 12, Mode.NORMAL)
    assert resolve_overlaps([a, b, c]) == [b]
    d = Match("url", "a", 12, 13, Mode.NORMAL)
    assert resolve_overlaps([c, d, a]) == [a, c, d]


def test_masking_keeps_non_ascii_text_around_matches() -> None:
    text = "Écris à josé@exämple.de 🙂 ou appelle 12 34 56 78."
    matches = found(text, {"email": Mode.NORMAL, "phone": Mode.NORMAL})
    assert mask(text, matches) == "Écris à {{ email hidden }} 🙂 ou appelle {{ phone hidden }}."
