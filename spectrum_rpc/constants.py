"""Constants shared across the package: error codes, header names, labels, event types."""

# JSON-RPC 2.0 error codes (specification section 5.1) and our server-defined ones.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
UNAUTHORIZED = -32001
PAYLOAD_TOO_LARGE = -32002
RATE_LIMITED = -32003
SERVER_BUSY = -32004

# A request whose writes the store refused because the server's disk is full: what the caller
# is told (in its dialect's error shape: -32004, or 503) and the Retry-After sent with a 503.
DISK_FULL_REASON = "the server's disk is full: nothing of this request was stored; retry later"
DISK_FULL_RETRY_AFTER = 30
# ... and a request the store could not serve because the database cannot be reached (down,
# restarting, the network): the store reconnects by itself, as soon as the database answers.
STORE_DOWN_REASON = "the server's database is unavailable: this request was not carried out; " \
    "retry later"
STORE_DOWN_RETRY_AFTER = 5

ERROR_MESSAGES = {
    PARSE_ERROR: "Parse error",
    INVALID_REQUEST: "Invalid Request",
    METHOD_NOT_FOUND: "Method not found",
    INVALID_PARAMS: "Invalid params",
    INTERNAL_ERROR: "Internal error",
    UNAUTHORIZED: "Unauthorized",
    PAYLOAD_TOO_LARGE: "Payload too large",
    RATE_LIMITED: "Too many requests",
    SERVER_BUSY: "Server busy",
}

# HTTP
RPC_PATH = "/api/v1/classification"
REQUEST_ID_HEADER = "X-Request-Id"
JSON_CONTENT_TYPE = "application/json"

# Authentication
APIKEY_SCHEME = "Apikey"
BEARER_SCHEME = "Bearer"
KEY_PREFIX = "sk_"
DEFAULT_PROJECT = "default"

# Meta fields that Spectrum documents as strings; others pass through untouched.
DOCUMENTED_META_FIELDS = (
    "authorId",
    "authorName",
    "authorEmail",
    "authorIpAddress",
    "streamId",
    "streamName",
    "remoteId",
)

# Webhook event types
EVENT_CLASSIFICATION = "CLASSIFICATION"
# moderateText's outcome (its labels' decisions, as CLASSIFICATION's), under the same filters.
EVENT_MODERATION = "MODERATION"
# Sent only when an operator asks ("Send test event", `webhooks test`), to that one webhook,
# whatever its filter; its meta holds {"test": true} too.
EVENT_TEST = "TEST"

# Size limits
MAX_TEXT_BYTES = 15 * 1024 * 1024
