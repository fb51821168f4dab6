"""Channels: transport only (ARCHITECTURE.md "channels/", ADR 0013). A channel module turns what a
domain wants to say into the channel's own format and hands it to the provider; it never touches
the database, and the rooms above decide what to send and record what happened."""
