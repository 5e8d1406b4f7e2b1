"""The voting window keeps itself: voting opens at ``opens_at`` and closes at
``closes_at`` without an administrator; closing counts and publishes the
results (and so the minutes) in the same transaction, as the admin button does.

Idempotent and safe in several replicas: each transition is guarded by the
assembly's state and version, so a second run (or an admin clicking at the
same moment) finds it done and moves on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from coop_shared.observability.logging import get_logger
from governance.domain.errors import InvalidTransition
from governance.domain.lifecycle import AssemblyState
from governance.service_layer.assemblies import close_voting, open_voting
from governance.service_layer.context import Context
from governance.service_layer.errors import Conflict, NotFound

log = get_logger("governance.deadlines")
Transition = Callable[[Context, str], Awaitable[Any]]


async def keep_voting_deadlines(ctx: Context) -> dict[str, int]:
    now = ctx.clock.now()
    opened, failed_open = await _each(ctx, await ctx.assemblies.due(AssemblyState.CONVENED, "opens_at", now),
                                      open_voting)
    # Read after opening: an assembly convened too late for its whole window opens and closes in one run.
    closed, failed_close = await _each(ctx, await ctx.assemblies.due(AssemblyState.VOTING_OPEN, "closes_at", now),
                                       close_voting)
    if failed_open or failed_close:
        # Raised after every other assembly had its turn: the run is recorded as failed and retried.
        raise DeadlinesMissed(f"{failed_open} assemblies did not open and {failed_close} did not close; "
                              f"{opened} opened, {closed} closed and published")
    return {"opened": opened, "closed_and_published": closed}


class DeadlinesMissed(RuntimeError):
    pass


async def _each(ctx: Context, assembly_ids: list[str], transition: Transition) -> tuple[int, int]:
    done = failed = 0
    for assembly_id in assembly_ids:
        try:
            await transition(ctx, assembly_id)
        except (InvalidTransition, Conflict, NotFound) as exc:
            log.info("voting_deadline_skipped", assembly_id=assembly_id, reason=str(exc))  # done meanwhile
            continue
        except Exception:  # one assembly's failure must not hold up every other's deadline
            log.exception("voting_deadline_failed", assembly_id=assembly_id)
            failed += 1
            continue
        done += 1
    return done, failed
