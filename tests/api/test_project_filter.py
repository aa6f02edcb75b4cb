"""moderateText follows the project's filter (stored in its settings) when a request names no
detectors, and a request's options go over it; over real HTTP against the real app."""

from __future__ import annotations

from spectrum_rpc.resources import ANALYZER

TEXT = "Mail example@gmail.com, call 12 34 56 78, ask for Mr. John Smith, you fucking idiot"


def call(params: dict) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText", "params": params, "id": 1}


async def set_filter(api, value: dict) -> None:
    await api.store.projects.update_settings("default", {"filter": value})
    api.app[ANALYZER].policies.forget("default")


async def moderate(api, rpc, **params) -> dict:
    reply = await rpc(api, call({"text": TEXT, **params}))
    return reply.json["result"]


async def test_the_projects_filter_decides_types_modes_and_masks(app_client, rpc):
    await set_filter(app_client, {
        "email": {"enabled": False},
        "phone": {"masking": False},
        "name": {"components": ["last"], "mask": "[NAME]"},
        "profanity": {"mask": "#"},
        "labels": {"enabled": False},
        "sentiment": {"enabled": True},
    })
    result = await moderate(app_client, rpc)
    assert "labels" not in result and result["sentiment"]["label"] == "negative"
    assert "email" not in result["pii"]
    assert result["pii"]["phone"]["found"] is True
    assert [m["text"] for m in result["pii"]["name"]["matches"]] == ["Smith"]
    masked = result["masked"]
    assert "example@gmail.com" in masked  # not looked for
    assert "12 34 56 78" in masked  # found, not masked
    assert "Mr. John [NAME]" in masked
    assert "####### idiot" in masked


async def test_a_requests_options_go_over_the_projects_filter(app_client, rpc):
    await set_filter(app_client, {"email": {"enabled": False},
                                  "profanity": {"bannedWords": ["idiot"]}})
    result = await moderate(app_client, rpc, options={"detect": ["pii", "profanity"],
                                                      "modes": {"pii": "SUSPICIOUS"}})
    assert "labels" not in result and "email" not in result["pii"]
    assert {v["mode"] for v in result["pii"].values()} == {"SUSPICIOUS"}
    found = {m["text"] for m in result["profanity"]["matches"]}
    assert {"fucking", "idiot"} <= found  # the project's banned word counts too


async def test_a_project_without_a_filter_runs_the_defaults(app_client, rpc):
    result = await moderate(app_client, rpc)
    assert {"labels", "pii", "profanity", "masked"} <= set(result)
    assert "{{ email hidden }}" in result["masked"] and "*******" in result["masked"]
