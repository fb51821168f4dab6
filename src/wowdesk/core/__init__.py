"""Domain-free building blocks: database, events, bus, jobs, errors, i18n, clock, security, search."""
