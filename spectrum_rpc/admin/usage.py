"""Usage in the admin UI: this month's requests per key and per project with the keys' limits
(the dashboard's usage panel, the keys page), and setting a key's limits (admin API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..auth import Usage, describe_rate
from ..store import KeyLimits, KeyMonth
from .access import api_error
from .api import BadRequest, act, admin, body, ok, only, project_of
from .limits import MAX_COUNT, MAX_RATE


@dataclass(frozen=True)
class KeyRow:
    """One key's line in the usage tables."""

    key_id: str
    name: str
    project: str
    requests: int
    refused: int
    by_api: dict[str, int]
    limits: KeyLimits

    @property
    def quota_share(self) -> float | None:
        return self.requests / self.limits.quota if self.limits.quota > 0 else None

    @property
    def rate(self) -> str:
        if self.limits.rate <= 0:
            return "off"
        return f"{describe_rate(self.limits.rate)}, burst {self.limits.burst}"


def usage_of(request: web.Request) -> Usage:
    """Return the app's usage counter (the admin state holds it)."""
    usage = admin(request).usage
    if usage is None:
        raise web.HTTPServiceUnavailable(reason="usage counting is not running")
    return usage


async def month_figures(usage: Usage, store: Any, project: str) -> dict[str, Any]:
    """Return the usage panel's figures: this month's keys of `project`, and every project."""
    months = await usage.month()
    names = {k.id: k.name for k in await store.keys.list(project)}
    per_project: dict[str, list[int]] = {}
    for m in months:
        totals = per_project.setdefault(m.project, [0, 0])
        totals[0] += m.requests
        totals[1] += m.refused
    used = {m.key_id: m for m in months if m.project == project}
    rows = [_row(key_id, name, project, used.get(key_id), usage.limits(key_id))
            for key_id, name in names.items()]
    rows.sort(key=lambda r: (-r.requests, r.name))
    return {"usage_month": usage.current_month, "usage_keys": rows,
            "usage_projects": sorted(per_project.items(), key=lambda kv: -kv[1][0])}


def _row(key_id: str, name: str, project: str, month: KeyMonth | None,
         limits: KeyLimits) -> KeyRow:
    if month is None:
        return KeyRow(key_id, name, project, 0, 0, {}, limits)
    return KeyRow(key_id, name, project, month.requests, month.refused, month.by_api, limits)


def _number(data: dict[str, Any], name: str, most: float, whole: bool) -> float:
    value = data.get(name, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= most \
            or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise BadRequest(f"{name} must be {kind} from 0 to {most:g} (0 turns it off)")
    return value


def limits_from(data: dict[str, Any]) -> KeyLimits:
    """Return the limits an admin API body asks for: `rate` (per second), `burst`, `quota`."""
    rate = float(_number(data, "rate", MAX_RATE, whole=False))
    burst = int(_number(data, "burst", MAX_COUNT, whole=True))
    quota = int(_number(data, "quota", MAX_COUNT, whole=True))
    if rate > 0 and burst == 0:
        burst = max(1, int(-(-rate // 1)))  # one second's worth of requests
    return KeyLimits(rate, burst if rate > 0 else 0, quota)


async def put_limits(request: web.Request) -> web.Response:
    """Set a key's rate limit and monthly quota (0 turns one off); applied at once."""
    key_id = request.match_info["key_id"]
    state = admin(request)
    record = await state.store.keys.get(key_id)
    if record is None:
        return api_error(404, "no key with this id")
    limits = limits_from(only(await body(request), "rate", "burst", "quota"))
    await usage_of(request).set_limits(key_id, limits)
    await act(request, "key.limits", project=record.project, target=key_id,
              detail={"rate": limits.rate, "burst": limits.burst, "quota": limits.quota})
    return ok(_limits_dict(key_id, limits))


async def get_usage(request: web.Request) -> web.Response:
    """This month's usage of a project's keys, with their limits."""
    project = project_of(request)
    figures = await month_figures(usage_of(request), admin(request).store, project)
    return ok({"month": figures["usage_month"], "project": project, "keys": [
        {**_limits_dict(r.key_id, r.limits), "name": r.name, "requests": r.requests,
         "refused": r.refused, "by_api": r.by_api} for r in figures["usage_keys"]]})


def _limits_dict(key_id: str, limits: KeyLimits) -> dict[str, Any]:
    return {"id": key_id, "rate": limits.rate, "burst": limits.burst, "quota": limits.quota}


ROUTES = [
    ("GET", "/projects/{project}/usage", get_usage),
    ("PUT", "/keys/{key_id}/limits", put_limits),
]
