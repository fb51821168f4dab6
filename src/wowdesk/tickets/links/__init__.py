"""Links between tickets: merges (the loser closed, pointing at the winner, whose timeline shows
both), splits, problems and their incidents, follow-ups of closed tickets
(docs/ticketing-macros-links.md)."""
