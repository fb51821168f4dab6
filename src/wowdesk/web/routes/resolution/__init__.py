"""Commerce and resolution in the agent console (docs/console-resolution.md): the ticket's side
panel (orders, parcels and their tracking, credit, past compensations, the policy's suggestion,
the grant form), its forms, and the sellers page. The approvals queue is ``web/routes/approvals.py``;
the policy editor and the ledger are ``web/routes/admin/policies.py`` and ``admin/ledger.py``."""
