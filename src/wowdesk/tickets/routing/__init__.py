"""Ticket routing: who gets a ticket of a team — per-team rules (round robin, least loaded, skills,
with a fallback), capacity, out-of-office agents skipped, reassignment when an agent goes offline.
See docs/ticketing-routing.md."""
