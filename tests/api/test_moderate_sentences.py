"""moderateText's `sentences` detector, over real HTTP against the real app: per-sentence
scores of the project's model with offsets into the text as sent, bounded on long texts, and
documented in rpc.discover."""

from __future__ import annotations

from spectrum_rpc import labels as L

TEXT = "Thanks for the lovely photo.  You are a worthless idiot and a moron!\nSee you tomorrow"


def call(text: str, detect: list[str]) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText", "id": 1,
            "params": {"text": text, "options": {"detect": detect}}}


async def test_each_sentence_scored(app_client, rpc):
    result = (await rpc(app_client, call(TEXT, ["sentences"]))).json["result"]
    assert set(result) == {"sentences", "hash"}
    pieces = [TEXT[s["begin"]:s["end"]] for s in result["sentences"]]
    assert pieces == ["Thanks for the lovely photo.", "You are a worthless idiot and a moron!",
                      "See you tomorrow"]
    scores = [s["scores"] for s in result["sentences"]]
    assert all(set(s) >= {L.TOXICITY, L.SEXUAL, L.PHISHING} for s in scores)
    assert scores[1][L.TOXICITY] > scores[0][L.TOXICITY]
    assert scores[1][L.TOXICITY] > scores[2][L.TOXICITY]


async def test_sentence_scores_match_the_labels_of_the_sentence_alone(app_client, rpc):
    result = (await rpc(app_client, call(TEXT, ["sentences"]))).json["result"]
    second = result["sentences"][1]
    alone = (await rpc(app_client, call(TEXT[second["begin"]:second["end"]], ["labels"]))
             ).json["result"]["labels"]
    assert second["scores"] == {k: v for k, v in alone.items() if k in second["scores"]}
    # only the engine's labels: the span model's sub-labels (profanity among them) are
    # per-text scores
    assert not set(second["scores"]) & {L.PROFANITY, L.INSULT, L.THREAT, L.IDENTITY_ATTACK}


async def test_long_text_scored_in_at_most_100_runs(app_client, rpc):
    text = " ".join(f"Sentence number {i} is here." for i in range(250))
    result = (await rpc(app_client, call(text, ["sentences"]))).json["result"]
    runs = result["sentences"]
    assert len(runs) == 84  # 250 sentences in runs of three
    assert runs[0]["begin"] == 0 and runs[-1]["end"] == len(text)
    assert all(a["end"] < b["begin"] for a, b in zip(runs, runs[1:], strict=False))


async def test_empty_text_has_no_sentence(app_client, rpc):
    result = (await rpc(app_client, call("", ["sentences", "labels"]))).json["result"]
    assert result["sentences"] == []


async def test_discovery_documents_sentences(app_client, rpc):
    reply = await rpc(app_client, {"jsonrpc": "2.0", "method": "rpc.discover", "id": 1})
    (method,) = [m for m in reply.json["result"]["methods"] if m["name"] == "moderateText"]
    assert "sentences" in method["description"]
    options = next(p for p in method["params"] if p["name"] == "options")
    assert "sentences" in options["schema"]["oneOf"][0]["properties"]["detect"]["items"]["enum"]
    item = method["result"]["schema"]["properties"]["sentences"]["items"]
    assert item["required"] == ["begin", "end", "scores"]
