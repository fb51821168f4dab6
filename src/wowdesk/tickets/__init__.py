"""Tickets, the work-order core: numbers, statuses (states.py), priorities, types, tags, custom
fields, comments and notes, attachments, and the audit timeline of every change."""
