"""WowDesk: an omnichannel, self-hostable customer-service platform."""

__version__ = "0.1.0"
