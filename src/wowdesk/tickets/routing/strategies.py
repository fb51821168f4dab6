"""Choosing an agent, as pure functions over the candidates (no I/O): the strategies as a table.

Every candidate here is eligible and has room (their work is under the rule's capacity). `order`
is the round-robin order: the team's agents by id, starting after the one who got the last ticket;
it also breaks ties, so equal candidates take turns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Candidate:
    agent_id: int
    load: int  # unsolved tickets + chats held
    skills: dict[int, int] = field(default_factory=dict)  # skill id → level (1-5)


Chooser = Callable[[list[Candidate], list[int]], Candidate | None]


def rotation(agent_ids: list[int], after: int | None) -> list[int]:
    """Agent ids in id order, starting with the first one after `after` (wrapping round)."""
    ids = sorted(agent_ids)
    if after is None:
        return ids
    return [i for i in ids if i > after] + [i for i in ids if i <= after]


def _turn(order: list[int]) -> Callable[[Candidate], int]:
    place = {agent_id: n for n, agent_id in enumerate(order)}
    return lambda c: place.get(c.agent_id, len(place))


def round_robin(free: list[Candidate], order: list[int]) -> Candidate | None:
    """The next agent in turn."""
    return min(free, key=_turn(order), default=None)


def least_loaded(free: list[Candidate], order: list[int]) -> Candidate | None:
    """The agent holding the least work; among equals, the next in turn."""
    turn = _turn(order)
    return min(free, key=lambda c: (c.load, turn(c)), default=None)


def skilled(free: list[Candidate], order: list[int], required: frozenset[int]) -> Candidate | None:
    """Among the agents who have every required skill, the least loaded; among equals the most
    skilled (sum of levels), then the next in turn. None when nobody has them all."""
    turn = _turn(order)
    qualified = [c for c in free if required <= c.skills.keys()]
    return min(
        qualified,
        key=lambda c: (c.load, -sum(c.skills[s] for s in required), turn(c)),
        default=None,
    )


CHOOSERS: dict[str, Chooser] = {"round_robin": round_robin, "least_loaded": least_loaded}


def choose(
    strategy: str, fallback: str, free: list[Candidate], order: list[int], required: frozenset[int]
) -> tuple[Candidate | None, str]:
    """Who gets the ticket and by which strategy (``skills>least_loaded``: a fallback)."""
    if strategy != "skills":
        return CHOOSERS[strategy](free, order), strategy
    found = skilled(free, order, required)
    if found is not None or fallback == "queue":
        return found, "skills"
    return CHOOSERS[fallback](free, order), f"skills>{fallback}"
