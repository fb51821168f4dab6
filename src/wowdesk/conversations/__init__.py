"""Conversations: the unified inbox every channel feeds — web-chat channels, conversations per
customer and channel, messages with a per-conversation sequence number, delivery and read marks."""
