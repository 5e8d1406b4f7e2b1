"""The API edge refuses XML-invalid characters, naming the field."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from coop_shared.http.errors import install_error_handlers
from coop_shared.http.text import CleanTextMiddleware, find_invalid, strip_xml_invalid


class Body(BaseModel):
    name: str
    tags: list[dict[str, str]] = []


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(CleanTextMiddleware)

    @app.post("/things")
    async def create(body: Body, q: str = "") -> dict[str, str]:
        return {"name": body.name, "q": q}

    return app


async def test_bodies_and_query_parameters_with_control_characters_are_422() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        ok = await client.post("/things", json={"name": "Tab\tand\nline breaks\r fine é €"})
        assert ok.status_code == 200 and ok.json()["name"].startswith("Tab\t")
        for body, field in (({"name": "a\x00b"}, "name"), ({"name": "x", "tags": [{"k": "ok"}, {"k": "\x1b"}]},
                                                           "tags.1.k"), ({"name": "\uffff"}, "name")):
            refused = await client.post("/things", json=body)
            assert refused.status_code == 422
            assert refused.json()["error"]["code"] == "invalid_characters"
            assert refused.json()["error"]["field"] == field
        raw = await client.post("/things", content=b'{"name": "a\xef\xbf\xbe"}',
                                headers={"content-type": "application/json"})
        assert raw.status_code == 422 and raw.json()["error"]["field"] == "name"
        query = await client.post("/things", params={"q": "x\x07"}, json={"name": "x"})
        assert query.status_code == 422 and query.json()["error"]["field"] == "q"


def test_helpers() -> None:
    assert find_invalid({"a": [{"b": "ok"}, "\x08"]}) == "a.1"
    assert find_invalid({"a\x01": "x"}) == "a\x01"
    assert find_invalid({"a": "fine\t"}) is None
    assert strip_xml_invalid("a\x00b\tc\ud800") == "ab\tc"
