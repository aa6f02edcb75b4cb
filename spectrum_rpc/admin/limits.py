"""What the admin API accepts, in one place: its checks and its OpenAPI document read these."""

from __future__ import annotations

# A project's filter: the bounds analysis.parse_filter enforces, stated in the OpenAPI document.
from ..analysis import (  # noqa: F401 (read from here with the admin API's other limits)
    FILTER_LANGUAGES,
    FILTER_MASK_LENGTH,
    FILTER_WORD_LENGTH,
    FILTER_WORDS,
)

PROJECT_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
KEY_NAME_LENGTH = 100
AUDIT_LIMIT = 500  # ?limit= of GET /audit
DELIVERIES_LIMIT = 200  # ?limit= of a webhook's deliveries
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: ids above it name no row
# A key's limits: the largest values the form and the API accept (a quota of a billion a month
# is "no quota").
MAX_RATE = 1_000_000.0
MAX_COUNT = 1_000_000_000
# An ISO 639-1 (or -3) code as the admin API takes it: ASCII letters only.
LANGUAGE_CODE = r"^[A-Za-z]{2,3}$"
ACTORS_LIMIT = 100  # ?limit= of a project's actors, and events of one actor's history
