from tests.channels.support import inbox

__all__ = ["inbox"]
