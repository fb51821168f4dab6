"""Service-level agreements on tickets: policies (targets per priority for first reply, next
reply and resolution, counted in a calendar's business time) and each ticket's timers, which
fire breach and near-breach events through durable jobs. See docs/ticketing-sla.md."""
