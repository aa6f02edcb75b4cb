"""GET / says what the server is: a browser is sent to the admin UI, a program gets JSON."""

from __future__ import annotations

from spectrum_rpc.constants import RPC_PATH


async def test_a_browser_asking_for_the_root_is_sent_to_the_admin_ui(app_client):
    resp = await app_client.http.get("/", allow_redirects=False,
                                     headers={"Accept": "text/html,application/xhtml+xml"})
    assert resp.status == 302
    assert resp.headers["Location"] == "/admin/"


async def test_a_program_asking_for_the_root_learns_the_api_and_admin_paths(app_client):
    resp = await app_client.http.get("/", headers={"Accept": "application/json"})
    assert resp.status == 200
    answer = await resp.json()
    assert answer["name"] == "spectrum-rpc"
    assert answer["api"] == RPC_PATH
    assert answer["admin"] == "/admin/"
