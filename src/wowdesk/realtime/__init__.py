"""Real-time delivery: the connection hub that turns events (from this process or, through Redis,
from the others) into frames for the customer and agent sockets that may see them."""
