"""Bounded, cursor-based pagination for list endpoints.

The cursor is opaque to clients (base64 of the last item's sort key), so
pages stay stable while new items are inserted.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from coop_shared.http.errors import ApiError

T = TypeVar("T")
MAX_PAGE_SIZE = 100


class PageParams(BaseModel):
    limit: int = 20
    cursor: str | None = None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (1-100).")] = 20,
    cursor: Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page.")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, default=str).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.", field="cursor") from exc
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.", field="cursor")
    return value
