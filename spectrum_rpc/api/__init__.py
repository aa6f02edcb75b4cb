"""The HTTP APIs the server speaks, one module per dialect, each over the same analysis.

A dialect module has `setup(app)`, which adds its routes (and any cleanup context of its own);
adding a dialect is adding its module here. Dialects never import each other: what they share
is below them (`analysis`, `auth`, `body`, `store`) or beside them (`jsonrpc`, `params`,
`responses`, `rest`, `errors`).
"""

from . import (
    blueprint,
    contentmod,
    discuse,
    jsonrpc,
    moderationapi,
    openai,
    perspective,
    responses,
    spectrum,
)

DIALECTS = (spectrum, openai, perspective, moderationapi, contentmod, discuse, blueprint)

# `jsonrpc` (the protocol layer) and `responses` are shared with the rest of the server: the
# middleware answers errors outside any dialect's paths in the JSON-RPC shape.
__all__ = ["DIALECTS", "blueprint", "contentmod", "discuse", "jsonrpc", "moderationapi", "openai",
           "perspective", "responses", "spectrum"]
