"""Dependencies shared by the routes."""

from __future__ import annotations

from fastapi import Request

from gateway.context import Context, context_of


def get_context(request: Request) -> Context:
    return context_of(request.app.state.runtime)
