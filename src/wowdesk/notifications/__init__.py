"""Web Push notifications for agents: their devices' push subscriptions, what each agent wants to
be told, and the jobs that tell them when their console is closed (docs/notifications.md)."""
