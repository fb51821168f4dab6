"""Policies: authority limits, the compensation ledger, approvals, resolution rules, claims."""
