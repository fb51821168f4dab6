"""Workspaces (tenants), agents, roles and permissions, teams, skills, API keys, sessions, security audit."""
