"""Generous to the many, firm with the few: an abuse score per customer, from their compensation
history against their orders. Only outliers are routed to review (their grants need a supervisor's
approval); everyone else never sees friction. The score explains itself, factor by factor."""
