"""Labels moderateText cannot score honestly are listed (labels.UNSUPPORTED), never answered,
and named in rpc.discover with the aliases of the labels we score under our own names."""

from __future__ import annotations

from spectrum_rpc import labels as L

# Issue 16's labels: each is scored (under our name or its own) or listed as unsupported.
ISSUE_LABELS = ("toxicity", "severe_toxicity", "insult", "identity_attack", "threat",
                "profanity", "sexually_explicit", "flirtation", "harassment", "hate",
                "violence", "self_harm", "spam", "incoherent", "unsubstantial")


def test_every_label_of_the_issue_is_scored_or_listed():
    for label in ISSUE_LABELS:
        scored = L.ALIASES.get(label, label) in L.SCORABLE
        assert scored != (label in L.UNSUPPORTED), label
    assert set(L.UNSUPPORTED) == {"severe_toxicity", "flirtation", "incoherent",
                                  "unsubstantial"}


async def test_unsupported_labels_never_answered(app_client, rpc):
    detect = ["labels", "quality", "sentences"]
    reply = await rpc(app_client, {"jsonrpc": "2.0", "method": "moderateText", "id": 1, "params": {
        "text": "You flirt so much, sweetie. Blah blah blah!", "options": {"detect": detect}}})
    result = reply.json["result"]
    answered = {*result["labels"], *result["quality"], *result["sentences"][0]["scores"]}
    assert not answered & set(L.UNSUPPORTED)


async def test_discovery_names_unsupported_labels_and_aliases(app_client, rpc):
    reply = await rpc(app_client, {"jsonrpc": "2.0", "method": "rpc.discover", "id": 1})
    (method,) = [m for m in reply.json["result"]["methods"] if m["name"] == "moderateText"]
    labels = method["result"]["schema"]["properties"]["labels"]["description"]
    for text in (method["description"], labels):
        assert all(label in text for label in L.UNSUPPORTED)
        assert "sexually_explicit is our sexual" in text and "spam is our phishing" in text
