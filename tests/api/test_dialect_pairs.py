"""Each dialect's decisions follow the project's reject / review pairs for every label, over
real HTTP against the real app: contentmod's `isSafe` and `suggestedActions`, blueprint's
`reviewRecommended`, OpenAI's categories and `flagged` (any category), discuse's sentiment
`hit`. The three decided labels are set out of the way so that the label under test decides
alone."""

from __future__ import annotations

from spectrum_rpc import labels as L
from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import ANALYZER

INSULT = "you are a pathetic worthless idiot"
QUIET = dict.fromkeys((L.TOXICITY, L.SEXUAL, L.PHISHING), {"reject": 1.0, "review": 1.0})


async def set_thresholds(api, thresholds: dict) -> None:
    await api.store.projects.update_settings(DEFAULT_PROJECT, {"thresholds": thresholds})
    api.app[ANALYZER].policies.forget()


async def post(api, path: str, body: dict, headers: dict | None = None) -> dict:
    sent = {"Authorization": f"Bearer {api.key}", **(headers or {})}
    async with api.http.post(path, json=body, headers=sent) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_contentmod_is_unsafe_when_a_sub_label_reaches_its_reject(app_client):
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": 0.0, "review": 0.0}})
    body = await post(app_client, "/text", {"text": INSULT})
    assert body["isSafe"] is False and body["suggestedActions"] == {"reject": True,
                                                                    "review": True}
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": None, "review": 0.0}})
    body = await post(app_client, "/text", {"text": INSULT})
    assert body["isSafe"] is True and body["suggestedActions"] == {"reject": False,
                                                                   "review": True}


async def test_blueprint_recommends_review_between_a_sub_labels_thresholds(app_client):
    path, asked = "/api/v2/blueprint/review/text", {"text": INSULT}
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": 1.0, "review": 0.0}})
    assert (await post(app_client, path, asked))["reviewRecommended"] is True
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": 0.0, "review": 0.0}})
    assert (await post(app_client, path, asked))["reviewRecommended"] is False  # rejected
    await set_thresholds(app_client, {**QUIET, L.INSULT: None})
    assert (await post(app_client, path, asked))["reviewRecommended"] is False


async def test_openai_decides_a_category_at_the_projects_pair(app_client):
    asked = {"input": "have a lovely day"}
    [before] = (await post(app_client, "/v1/moderations", asked))["results"]
    assert before["categories"]["harassment"] is False  # off by default: at 0.5
    await set_thresholds(app_client, {L.HARASSMENT: {"reject": 0.0, "review": 0.0}})
    [after] = (await post(app_client, "/v1/moderations", asked))["results"]
    assert after["categories"]["harassment"] is True and after["flagged"] is True
    assert not any(v for k, v in after["categories"].items() if k != "harassment")


async def test_discuse_sentiment_hit_follows_the_insult_pair(app_client):
    headers = {"x-client-id": DEFAULT_PROJECT, "x-client-secret": app_client.key}
    asked = {"request": {"media": {"text": "hello friend"}}}
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": 1.0, "review": 0.0}})
    body = await post(app_client, "/api/v1/check", asked, headers)
    assert body["sentiment"]["hit"] is False
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": 0.0, "review": 0.0}})
    body = await post(app_client, "/api/v1/check", asked, headers)
    assert body["sentiment"]["hit"] is True
