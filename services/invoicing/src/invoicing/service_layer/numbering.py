"""Gapless numbers for many issuers at once: one transaction numbers everyone waiting.

Issuing numbers an invoice from its series' counter inside the transaction
that stores it, so an aborted issue gives its number back. Two transactions
that move the same counter cannot both commit, so issuers of one series take
turns. One transaction per issuer made the turn the month-end bottleneck:
fifty members issuing at once waited behind fifty transactions of about six
round trips each (more than the gateway's 10 s timeout on a busy database).

Here each issuer queues its work on the series; whoever gets the turn takes
everyone queued behind it into one transaction (group commit): the counter
moves once for the whole group, each issuer's checks and writes run in queue
order, and the group's events go to the outbox in one insert. An issuer the
rules refuse (``DomainError`` before it writes anything: a pending review, a
rate no longer the law, an invoice already issued) leaves the group without a
number; the counter gives back what the group did not use, so the series
stays gapless. Any other failure (a write refused, the database gone) fails
the group, which is then run again one issuer per transaction so only the
culprit sees its error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.errors import DomainError
from coop_shared.messaging.envelope import Envelope
from coop_shared.observability.logging import get_logger
from coop_shared.persistence.mongo import Document
from coop_shared.service import Runtime
from invoicing.adapters.repositories import Counters

log = get_logger("invoicing.numbering")

# What a numbered issuer wrote in the group's transaction: the stored document, and its events.
Written = tuple[Document, list[Envelope]]
Write = Callable[[AsyncClientSession], Awaitable[Written]]
# An issuer's reads and checks with the number it would get: raises ``DomainError`` to leave
# the group unnumbered, else numbers its aggregate in memory and returns what it writes.
Stage = Callable[[AsyncClientSession, int], Awaitable[Write]]

# A bound on one transaction's size (MongoDB limits a transaction's time and oplog entry).
MAX_GROUP = 64


@dataclass(eq=False)
class _Issuer:
    stage: Stage
    outcome: asyncio.Future[Document] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass
class _Series:
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    queue: list[_Issuer] = field(default_factory=list)


class Numbering:
    """Issues documents of one numbering series and year in groups (see the module's docstring)."""

    def __init__(self, runtime: Runtime, counters: Counters, max_group: int = MAX_GROUP) -> None:
        self._runtime = runtime
        self._counters = counters
        self._max_group = max_group
        self._series: dict[str, _Series] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def issue(self, series: str, year: int, stage: Stage) -> Document:
        """The document ``stage`` numbered and wrote, once its group committed; raises its refusal or failure."""
        await self._counters.ensure(series, year)
        state = self._series.setdefault(Counters.key(series, year), _Series())
        issuer = _Issuer(stage)
        issuer.outcome.add_done_callback(_quiet)
        state.queue.append(issuer)
        try:
            await state.turn.acquire()
        except asyncio.CancelledError:  # gone before its turn came: nothing of it was written
            if issuer in state.queue:
                state.queue.remove(issuer)
            raise
        if issuer not in state.queue:  # a group took it along: its outcome is, or will be, there
            state.turn.release()
        else:  # lead the next group, which keeps the turn until it ends
            group, state.queue[:] = state.queue[:self._max_group], state.queue[self._max_group:]
            task = asyncio.ensure_future(self._run(series, year, group))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            task.add_done_callback(lambda _: state.turn.release())
            # Shielded: should this request go away, the others in its group still get their answer.
            await asyncio.shield(task)
        return await issuer.outcome

    async def _run(self, series: str, year: int, group: list[_Issuer]) -> None:
        try:
            await self._commit(series, year, group)
            return
        except Exception as exc:
            if len(group) == 1:
                group[0].outcome.set_exception(exc)
                return
            log.warning("numbering_group_failed", series=series, year=year, size=len(group), error=repr(exc))
        for issuer in group:  # one at a time, so only the culprit fails
            try:
                await self._commit(series, year, [issuer])
            except Exception as exc:
                issuer.outcome.set_exception(exc)

    async def _commit(self, series: str, year: int, group: list[_Issuer]) -> None:
        async def work(session: AsyncClientSession) -> dict[_Issuer, Document | DomainError]:
            first = await self._counters.take(series, year, len(group), session)
            numbered = 0
            outcomes: dict[_Issuer, Document | DomainError] = {}
            events: list[Envelope] = []
            for issuer in group:
                try:
                    write = await issuer.stage(session, first + numbered)
                except DomainError as refusal:  # nothing written: the number goes to the next issuer
                    outcomes[issuer] = refusal
                    continue
                doc, written = await write(session)
                outcomes[issuer] = doc
                events.extend(written)
                numbered += 1
            if numbered < len(group):
                await self._counters.give_back(series, year, len(group) - numbered, session)
            if events:
                await self._runtime.outbox.add(events, session=session)
            return outcomes

        outcomes: dict[_Issuer, Document | DomainError] = await self._runtime.commit(work)
        for issuer, outcome in outcomes.items():
            if isinstance(outcome, DomainError):
                issuer.outcome.set_exception(outcome)
            else:
                issuer.outcome.set_result(outcome)


def _quiet(outcome: asyncio.Future[Document]) -> None:
    """Marks a failure as seen, so asyncio does not warn when nobody waits for it any more (its request went
    away); whoever still awaits the outcome gets the exception all the same."""
    if not outcome.cancelled():
        outcome.exception()
