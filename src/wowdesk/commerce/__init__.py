"""Commerce: sellers, orders, shipments and their tracking, filled by connectors."""
