"""moderateText's `quality` detector over real HTTP: `spam` from the scam/spam label, and
nothing made up for the quality labels no labelled data supports."""

from __future__ import annotations

SPAM = "WINNER!! You have won a £1000 prize. Call 09061701461 to claim now, text STOP to end"
HAM = "Are we still meeting for lunch tomorrow? I can bring the report."


def call(text: str, detect: list[str]) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText", "id": 1,
            "params": {"text": text, "options": {"detect": detect}}}


async def test_quality_answers_spam_only(app_client, rpc):
    spam = (await rpc(app_client, call(SPAM, ["quality"]))).json["result"]
    ham = (await rpc(app_client, call(HAM, ["quality"]))).json["result"]
    assert set(spam["quality"]) == {"spam"}  # incoherent, unsubstantial: no data, never answered
    assert spam["quality"]["spam"] > 0.5 > ham["quality"]["spam"]
    assert "labels" not in spam and "pii" not in spam


async def test_quality_and_labels_agree(app_client, rpc):
    result = (await rpc(app_client, call(SPAM, ["quality", "labels"]))).json["result"]
    assert result["quality"]["spam"] == result["labels"]["phishing"]
