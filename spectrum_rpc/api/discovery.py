"""Google API discovery documents (`discovery#restDescription`): what Google's generated clients
(google-api-python-client's `discovery.build`, the Node `googleapis` package) read to learn an
API's methods. Here: Perspective's comment analyzer, `commentanalyzer` `v1alpha1`, with its two
methods and the schemas of their bodies, so that Perspective's documented sample builds its
client from our server with only the discovery URL changed."""

from __future__ import annotations

from typing import Any

NAME = "commentanalyzer"
VERSION = "v1alpha1"
ANALYZE_PATH = f"{VERSION}/comments:analyze"
SUGGEST_PATH = f"{VERSION}/comments:suggestscore"


def _string(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **more}


def _ref(name: str, description: str = "") -> dict[str, Any]:
    return {"$ref": name, "description": description} if description else {"$ref": name}


def _query(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "location": "query", "description": description, **more}


# The query parameters every Google API takes; the clients send `key` (developerKey), `alt`
# and `$.xgafv`, which the server accepts and ignores but for `key`.
PARAMETERS = {
    "key": _query("API key: a key made with `spectrum-rpc keys create` (or send it as "
                  "`Authorization: Bearer KEY`)."),
    "alt": _query("Data format for the response.", default="json", enum=["json"],
                  enumDescriptions=["Responses with Content-Type of application/json"]),
    "$.xgafv": _query("V1 error format.", enum=["1", "2"],
                      enumDescriptions=["v1 error format", "v2 error format"]),
    "prettyPrint": {"type": "boolean", "location": "query", "default": "true",
                    "description": "Accepted; answers are compact."},
    "fields": _query("Accepted and ignored: the whole answer is sent."),
    "quotaUser": _query("Accepted and ignored."),
    "access_token": _query("Accepted and ignored: send the key as `key` or a bearer token."),
}

_SCORE_TYPES = ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY", "STD_DEV_SCORE", "PERCENTILE", "RAW"]
_TEXT_TYPES = ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML"]

SCHEMAS: dict[str, dict[str, Any]] = {
    "TextEntry": {"type": "object", "description": "Represents a body of text.", "properties": {
        "text": _string("UTF-8 encoded text."),
        "type": _string("Type of the text: only PLAIN_TEXT is scored.", enum=_TEXT_TYPES)}},
    "Context": {"type": "object", "description": "Accepted; not used in scoring.",
                "properties": {
                    "entries": {"type": "array", "items": _ref("TextEntry")},
                    "articleAndParentComment": _ref("ArticleAndParentComment")}},
    "ArticleAndParentComment": {"type": "object", "properties": {
        "article": _ref("TextEntry"), "parentComment": _ref("TextEntry")}},
    "AttributeParameters": {"type": "object", "properties": {
        "scoreType": _string("Only PROBABILITY is answered.", enum=_SCORE_TYPES),
        "scoreThreshold": {"type": "number", "format": "float",
                           "description": "Scores below it are left out of the answer."}}},
    "Score": {"type": "object", "properties": {
        "value": {"type": "number", "format": "float", "description": "Score value."},
        "type": _string("The type of the above value.", enum=_SCORE_TYPES)}},
    "SpanScore": {"type": "object", "properties": {
        "begin": {"type": "integer", "format": "int32",
                  "description": "Start of the span, in code points (inclusive)."},
        "end": {"type": "integer", "format": "int32",
                "description": "End of the span, in code points (exclusive)."},
        "score": _ref("Score")}},
    "AttributeScores": {"type": "object", "properties": {
        "summaryScore": _ref("Score", "Overall score for the comment as a whole."),
        "spanScores": {"type": "array", "items": _ref("SpanScore"),
                       "description": "Per-sentence scores (with spanAnnotations)."}}},
    "AnalyzeCommentRequest": {"type": "object", "properties": {
        "comment": _ref("TextEntry", "The comment to analyze."),
        "context": _ref("Context", "The context of the comment (not used)."),
        "requestedAttributes": {"type": "object",
                                "additionalProperties": _ref("AttributeParameters"),
                                "description": "Attribute name -> its parameters."},
        "spanAnnotations": {"type": "boolean", "description": "Answer per-sentence scores."},
        "languages": {"type": "array", "items": {"type": "string"},
                      "description": "The language(s) of the comment (detected if none)."},
        "doNotStore": {"type": "boolean",
                       "description": "Store nothing about this request (no webhook event)."},
        "clientToken": _string("Echoed in the answer."),
        "sessionId": _string("Accepted."),
        "communityId": _string("Accepted.")}},
    "AnalyzeCommentResponse": {"type": "object", "properties": {
        "attributeScores": {"type": "object", "additionalProperties": _ref("AttributeScores")},
        "languages": {"type": "array", "items": {"type": "string"}},
        "detectedLanguages": {"type": "array", "items": {"type": "string"}},
        "clientToken": _string("Same as the request's.")}},
    "SuggestCommentScoreRequest": {"type": "object", "properties": {
        "comment": _ref("TextEntry", "The comment being scored."),
        "context": _ref("Context"),
        "attributeScores": {"type": "object", "additionalProperties": _ref("AttributeScores"),
                            "description": "The moderator's scores (0 or 1 for a yes/no)."},
        "languages": {"type": "array", "items": {"type": "string"}},
        "clientToken": _string("Echoed in the answer."),
        "sessionId": _string("Accepted."),
        "communityId": _string("Stored with the correction.")}},
    "SuggestCommentScoreResponse": {"type": "object", "properties": {
        "detectedLanguages": {"type": "array", "items": {"type": "string"}},
        "requestedLanguages": {"type": "array", "items": {"type": "string"}},
        "clientToken": _string("Same as the request's.")}},
}
for _name, _schema in SCHEMAS.items():
    _schema["id"] = _name


def _method(name: str, path: str, request: str, response: str,
            description: str) -> dict[str, Any]:
    return {"id": f"{NAME}.comments.{name}", "path": path, "flatPath": path,
            "httpMethod": "POST", "parameters": {}, "parameterOrder": [],
            "request": _ref(request), "response": _ref(response), "description": description}


RESOURCES = {"comments": {"methods": {
    "analyze": _method("analyze", ANALYZE_PATH, "AnalyzeCommentRequest", "AnalyzeCommentResponse",
                       "Analyzes the provided text and returns scores for requested attributes."),
    "suggestscore": _method("suggestscore", SUGGEST_PATH, "SuggestCommentScoreRequest",
                            "SuggestCommentScoreResponse",
                            "Records a moderator's scores as feedback for retraining."),
}}}


def document(root_url: str) -> dict[str, Any]:
    """Return the discovery document with the server's own address as `rootUrl` (ends in /)."""
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"{NAME}:{VERSION}",
        "name": NAME,
        "version": VERSION,
        "title": "Perspective Comment Analyzer API (spectrum-rpc)",
        "description": "Perspective's comments:analyze and comments:suggestscore, answered by "
                       "this server's own models.",
        "protocol": "rest",
        "rootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "parameters": PARAMETERS,
        "schemas": SCHEMAS,
        "resources": RESOURCES,
    }
