"""Durable jobs: an outbox table written in the same transaction as the change that needs the job,
and runners (in-process, or ``wowdesk worker`` processes) that claim due rows, run them in a unit of
work of their own, retry with backoff and move a job that keeps failing to the ``dead`` state.
See docs/adr/0003-jobs-outbox.md for why this is not a third-party task queue."""
