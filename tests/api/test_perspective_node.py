"""The Node `googleapis` client against comments:analyze over real HTTP.

googleapis 50.0.0 is the last release on npm that carries the comment analyzer (51.0.0 and
the later releases checked, up to 188.0.0, have no `commentanalyzer`); its generated client
works with `rootUrl` given per call (a global `rootUrl` is cut at the wrong length by
googleapis-common 4.x), and `discoverAPI` builds a client from our discovery document. Not
installed by `make install` (no network at test time): install it apart and point the test at
it, or it skips:

    npm install --prefix /tmp/gapi googleapis@50.0.0
    SPECTRUM_RPC_TEST_GOOGLEAPIS=/tmp/gapi/node_modules pytest tests/api/test_perspective_node.py
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

MODULES = os.environ.get("SPECTRUM_RPC_TEST_GOOGLEAPIS", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(not (MODULES and (Path(MODULES) / "googleapis").is_dir()),
                       reason="SPECTRUM_RPC_TEST_GOOGLEAPIS does not name a node_modules with "
                              "googleapis@50.0.0 (see this module's docstring)"),
]

SCRIPT = """
const {google} = require('googleapis');
const [base, key] = process.argv.slice(2);
const at = {rootUrl: base + '/'};
const body = {comment: {text: 'You are a stupid idiot.'}, requestedAttributes: {TOXICITY: {}}};
(async () => {
  const client = google.commentanalyzer({version: 'v1alpha1', auth: key});
  const generated = (await client.comments.analyze({requestBody: body}, at)).data;
  const found = await google.discoverAPI(base + '/$discovery/rest?version=v1alpha1');
  const discovered = await new Promise((ok, no) => found.comments.analyze(
    {key, requestBody: body}, (e, res) => e ? no(e) : ok(res.data)));
  let error = null;
  try {
    await client.comments.analyze({requestBody: {...body, languages: ['de']}}, at);
  } catch (e) { error = {code: e.code, message: e.message}; }
  console.log(JSON.stringify({generated, discovered, error}));
})().catch(e => { console.error(e); process.exit(1); });
"""


async def test_the_node_client_analyzes_a_comment(app_client, tmp_path):
    script = tmp_path / "analyze.js"
    script.write_text(SCRIPT)
    base = str(app_client.http.make_url("")).rstrip("/")
    node = await asyncio.create_subprocess_exec(
        "node", str(script), base, app_client.key, env={**os.environ, "NODE_PATH": MODULES},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await node.communicate()
    assert node.returncode == 0, err.decode()
    answer = json.loads(out)
    for key in ("generated", "discovered"):
        assert answer[key]["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
        assert answer[key]["detectedLanguages"] == ["en"]
    assert answer["error"] == {"code": 400, "message": "Attribute TOXICITY does not support "
                               "request languages: de"}
