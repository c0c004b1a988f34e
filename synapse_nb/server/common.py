"""Small shared pieces of the HTTP layer: errors, JSON responses, times, query parsing.

Handlers raise ``APIError`` for any bad input; the app turns it into a JSON body in the
DRF style (``{"detail": "..."}`` or ``{"field": ["message"]}``).

>>> int_list("1,2", "project")
[1, 2]
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Annotated, Any, Iterable

import orjson
from fastapi import Path, Response

__all__ = [
    "PK", "APIError", "not_found", "json_response", "now_iso", "parse_datetime", "int_list",
    "one_int", "bool_param", "token_hash", "loads_json", "field_list",
]

Fragment = orjson.Fragment
# ids in paths: SQLite integers are 64-bit; anything else is a 400, not a crash
PK = Annotated[int, Path(ge=1, lt=2**63, description="object id")]


class APIError(Exception):
    """An answer with a 4xx status and a JSON body that says what to fix."""

    def __init__(self, status_code: int, detail: Any, headers: dict[str, str] | None = None):
        super().__init__(str(detail))
        self.status_code = status_code
        self.body = detail if isinstance(detail, dict) else {"detail": detail}
        self.headers = headers


def not_found(what: str = "object") -> APIError:
    return APIError(404, f"No {what} matches the given query.")


def json_response(payload: Any, status_code: int = 200) -> Response:
    """Serialise with orjson (Fragments pass pre-serialised JSON columns through)."""
    return Response(orjson.dumps(payload), status_code=status_code,
                    media_type="application/json")


def now_iso() -> str:
    """Current UTC time in the fixed-width format every ``created`` column uses."""
    return format_time(datetime.now(timezone.utc))


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_datetime(value: str, name: str) -> str:
    """A user's date or datetime, normalised so it compares with stored times as text."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise APIError(400, {name: [f"Enter a valid date/time (ISO 8601), not {value[:40]!r}."]}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return format_time(moment)
    except (OverflowError, ValueError):
        raise APIError(400, {name: ["Date/time out of range."]}) from None


def _int(text: str, name: str) -> int:
    text = text.strip()
    try:
        number = int(text)
    except ValueError:
        raise APIError(400, {name: [f"A valid integer is required, not {text[:40]!r}."]}) from None
    if not -(2**63) < number < 2**63:
        raise APIError(400, {name: ["Integer out of range."]})
    return number


def int_list(values: str | Iterable[str] | None, name: str) -> list[int]:
    """Ids from ``?x=1&x=2`` or ``?x=1,2`` (empty items are ignored)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[int] = []
    for value in values:
        for part in value.replace("[", "").replace("]", "").split(","):
            if part.strip():
                out.append(_int(part, name))
    return out


def one_int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    return _int(value, name)


def bool_param(value: str | None, name: str) -> bool | None:
    if value is None or value == "":
        return None
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise APIError(400, {name: [f"Must be true or false, not {value[:40]!r}."]})


def field_list(value: str | None) -> list[str]:
    """``fields=id,data`` / ``expand=a,b`` as a list of names."""
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def loads_json(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)
