"""The README's first screen: its curl call, sent to the real app, gets the answer it shows."""

from __future__ import annotations

import re
from pathlib import Path

import orjson

README = Path(__file__).resolve().parent.parent / "README.md"


def first_call_and_answer() -> tuple[dict, dict]:
    text = README.read_text()
    call = re.search(r"```sh\n(curl .*?)```", text, re.S)
    assert call, "the README shows no curl call"
    payload = re.search(r"-d '(.*?)'", call.group(1), re.S)
    assert payload, "the README's curl call sends no -d body"
    answer = re.search(r"```json\n(.*?)```", text[call.end():], re.S)
    assert answer, "the README shows no answer after its curl call"
    return orjson.loads(payload.group(1)), orjson.loads(answer.group(1))


async def test_the_readme_call_gets_the_answer_the_readme_shows(app_client, rpc):
    call, shown = first_call_and_answer()
    got = (await rpc(app_client, call)).json
    assert got["id"] == shown["id"] and "error" not in got
    result, expected = got["result"], shown["result"]
    assert list(result) == list(expected)  # same fields, same order
    for field, value in expected.items():
        if isinstance(value, bool) or field == "modelVersion":
            assert result[field] == value, field  # decisions and the shipped model's version
        else:
            assert isinstance(result[field], float) and 0 <= result[field] <= 1, field
