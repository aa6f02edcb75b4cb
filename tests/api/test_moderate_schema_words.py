"""The words of moderateText's published schema follow the constants they describe, and the
personal data types are the analysis's own."""

from __future__ import annotations

from spectrum_rpc.analysis import PII_TYPES, SENTENCE_RUNS
from spectrum_rpc.api.moderation_schema import moderate_result
from spectrum_rpc.engine import sentiment, spelling
from spectrum_rpc.engine.spans import SUB_LABEL_LINE


def test_the_descriptions_name_the_limits_in_force():
    schema = moderate_result()["properties"]
    assert schema["spans"]["description"].endswith(f"a sub-label {SUB_LABEL_LINE}")
    assert f"more than {SENTENCE_RUNS} sentences" in schema["sentences"]["description"]
    truncated = schema["sentiment"]["properties"]["truncated"]["description"]
    assert f"{sentiment.MAX_CHARS:,} characters" in truncated
    assert f"over {spelling.MAX_CHARS:,} characters" in schema["correctedSkipped"]["description"]


def test_personal_data_components_cover_name_parts():
    pii = moderate_result()["properties"]["pii"]["properties"]
    assert tuple(pii) == PII_TYPES
    component = pii["name"]["properties"]["matches"]["items"]["properties"]["component"]
    assert "sensitive number" in component["description"]
    assert "first+last" in component["description"]
