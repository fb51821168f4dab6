"""Authority limits: how much an agent may grant on their own, per action and per day."""
