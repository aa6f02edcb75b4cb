"""A project's filter (document 001's filter object, extended to every detector): validated
field by field, completed over the defaults, turned into the options of an analysis."""

from __future__ import annotations

import pytest

from spectrum_rpc.analysis.filters import (
    PII_TYPES,
    FilterError,
    default_filter,
    filter_options,
    parse_filter,
)
from spectrum_rpc.analysis.options import DEFAULT, Options


def test_the_default_filter_runs_what_moderate_text_ran_before_filters():
    options = filter_options(default_filter())
    assert options.detect == frozenset(DEFAULT)
    assert options.pii_modes == dict.fromkeys(PII_TYPES, "NORMAL")
    assert options.masks["email"] == "{{ email hidden }}"
    assert options.masks["profanity"] == "*"
    assert options.name_components == ("first", "middle", "last")


def test_document_001s_filter_object_is_accepted_as_written():
    written = {
        "email": {"enabled": True, "masking": True, "mode": "NORMAL", "mask": "{{ email hidden }}"},
        "phone": {"enabled": True, "masking": True, "mode": "NORMAL", "mask": "{{ phone hidden }}"},
        "name": {"enabled": True, "masking": True, "mode": "NORMAL", "mask": "{{ name hidden }}",
                 "components": ["first", "middle", "last"]},
    }
    parsed = parse_filter(written)
    for kind, setting in written.items():
        assert parsed[kind] == {**default_filter()[kind], **setting}


def test_a_partial_filter_changes_only_what_it_names():
    parsed = parse_filter({"email": {"enabled": False}, "phone": {"mode": "SUSPICIOUS"},
                           "url": {"masking": False}, "name": {"components": ["last", "first"]},
                           "profanity": {"mask": "#", "bannedWords": ["frak"]},
                           "sentiment": {"enabled": True}, "language": {"expected": ["EN"]}})
    options = filter_options(parsed)
    assert "email" not in options.pii_modes
    assert options.pii_modes["phone"] == "SUSPICIOUS" and options.pii_modes["url"] == "NORMAL"
    assert options.masks["url"] is None  # found, not masked
    assert options.name_components == ("first", "last")  # in document order
    assert options.masks["profanity"] == "#" and options.banned == ("frak",)
    assert "sentiment" in options.detect and options.expected_language == ("en",)


def test_no_personal_data_type_enabled_means_no_pii_detector():
    off = {kind: {"enabled": False} for kind in PII_TYPES}
    assert "pii" not in filter_options(parse_filter(off)).detect


@pytest.mark.parametrize(("value", "path"), [
    ([], "filter"),
    ({"emails": {}}, "filter.emails"),
    ({"email": True}, "filter.email"),
    ({"email": {"enabled": "yes"}}, "filter.email.enabled"),
    ({"email": {"mode": "normal"}}, "filter.email.mode"),
    ({"email": {"mask": ""}}, "filter.email.mask"),
    ({"email": {"mask": "x" * 101}}, "filter.email.mask"),
    ({"email": {"colour": "red"}}, "filter.email.colour"),
    ({"email": {"components": ["first"]}}, "filter.email.components"),
    ({"name": {"components": []}}, "filter.name.components"),
    ({"name": {"components": ["nickname"]}}, "filter.name.components"),
    ({"profanity": {"mask": "**"}}, "filter.profanity.mask"),
    ({"profanity": {"bannedWords": "frak"}}, "filter.profanity.bannedWords"),
    ({"profanity": {"allowedWords": ["ok", 3]}}, "filter.profanity.allowedWords[1]"),
    ({"profanity": {"bannedWords": ["w"] * 1001}}, "filter.profanity.bannedWords"),
    ({"language": {"expected": ["english"]}}, "filter.language.expected"),
    ({"sentiment": {"mode": "NORMAL"}}, "filter.sentiment.mode"),
])
def test_a_wrong_field_is_named(value, path):
    with pytest.raises(FilterError) as caught:
        parse_filter(value)
    assert caught.value.path == path


def test_a_requests_options_go_over_the_projects():
    base = filter_options(parse_filter({"email": {"enabled": False},
                                        "profanity": {"bannedWords": ["frak"]}}))
    asked = base.overridden(detect=["pii"], modes={"pii": "PARANOID"}, banned=["gorram"],
                            expected_language=["fr"])
    assert asked.detect == {"pii"}
    assert set(asked.pii_modes) == set(PII_TYPES) - {"email"}  # still the project's types
    assert set(asked.pii_modes.values()) == {"PARANOID"}
    assert asked.banned == ("frak", "gorram") and asked.expected_language == ("fr",)
    assert base.overridden() == base
    assert Options().overridden(modes={"pii": "SUSPICIOUS"}).mode("pii") == "SUSPICIOUS"
