"""Macros: named bundles of ticket changes and a reply with placeholders, shared or personal,
previewed and applied in one unit of work (docs/ticketing-macros-links.md)."""
