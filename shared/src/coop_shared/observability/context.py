"""Request, correlation and causation ids carried through HTTP and AMQP.

They live in context variables so that a log line, an outgoing HTTP call and an
event written to the outbox all pick up the ids of the work in progress.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

import structlog

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id_var: ContextVar[str | None] = ContextVar("causation_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
CORRELATION_ID_HEADER = "X-Correlation-ID"


def new_id() -> str:
    return str(uuid.uuid4())


def bind_ids(*, request_id: str | None = None, correlation_id: str | None = None,
             causation_id: str | None = None) -> None:
    """Set the ids for the current task and add them to every log line."""
    if request_id is not None:
        request_id_var.set(request_id)
    if correlation_id is not None:
        correlation_id_var.set(correlation_id)
    if causation_id is not None:
        causation_id_var.set(causation_id)
    structlog.contextvars.bind_contextvars(
        **{k: v for k, v in (("request_id", request_id), ("correlation_id", correlation_id),
                             ("causation_id", causation_id)) if v is not None}
    )


def current_correlation_id() -> str | None:
    return correlation_id_var.get()


def current_causation_id() -> str | None:
    """The id of what caused the current work: a consumed event, else the HTTP request."""
    return causation_id_var.get() or request_id_var.get()
