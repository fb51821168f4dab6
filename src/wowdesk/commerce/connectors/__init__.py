"""Connectors fill the commerce room from a store: each turns what its store sends into
``Change`` records (``base``) applied by the room's actions. ``rest``: the generic import API's
documents; ``webhooks``: signed Standard Webhooks deliveries."""
