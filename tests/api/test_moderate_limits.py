"""moderateText says when a detector did not read the whole text: sentiment past its
20,000-character limit (`truncated`), spelling over it or in another language
(`correctedSkipped`); over real HTTP against the real app."""

from __future__ import annotations

from spectrum_rpc.engine import sentiment, spelling

SHORT = "This is a terible day and I hate it"


def call(text: str, detect: list[str], **options) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText", "id": 1,
            "params": {"text": text, "options": {"detect": detect, **options}}}


async def test_short_text_is_read_whole(app_client, rpc):
    result = (await rpc(app_client, call(SHORT, ["sentiment", "spelling"]))).json["result"]
    assert result["sentiment"]["truncated"] is False
    assert "correctedSkipped" not in result and "terrible" in result["corrected"]


async def test_sentiment_says_it_read_only_the_head(app_client, rpc):
    # Happy words fill the scored head; the angry tail past the limit is not read.
    head = ("What a wonderful lovely happy day. " * 600)[:sentiment.MAX_CHARS]
    text = head + " I hate this horrible awful disgusting terrible mess." * 50
    result = (await rpc(app_client, call(text, ["sentiment"]))).json["result"]
    assert result["sentiment"]["truncated"] is True
    assert result["sentiment"]["label"] == "positive"
    exact = (await rpc(app_client, call(head, ["sentiment"]))).json["result"]
    assert exact["sentiment"]["truncated"] is False


async def test_spelling_says_it_skipped_a_long_text(app_client, rpc):
    text = (SHORT + ". ") * (spelling.MAX_CHARS // len(SHORT) + 1)
    assert len(text) > spelling.MAX_CHARS
    result = (await rpc(app_client, call(text, ["spelling"]))).json["result"]
    assert result["corrected"] == text and result["correctedSkipped"] == "size"


async def test_spelling_says_it_skipped_another_language(app_client, rpc):
    text = "Ceci est une phrase ecrite en francais"
    result = (await rpc(app_client, call(text, ["spelling"], expectedLanguage="fr"))).json
    assert result["result"]["corrected"] == text
    assert result["result"]["correctedSkipped"] == "language"
