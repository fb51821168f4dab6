"""Pages and browser assets served by WowDesk: the chat widget script, the demo shop (and the agent
console, issue "Agent console")."""
