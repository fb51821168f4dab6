"""The agent's inbox: one list of conversations and tickets across channels, built-in and saved
views over it with their counts, and canned responses for the composer."""
