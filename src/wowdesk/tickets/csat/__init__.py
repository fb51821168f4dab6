"""Satisfaction surveys (CSAT): one per solved ticket, sent to the requester by the channel they
used, rated good or bad (with a comment) from a one-click link; results on the ticket and in reports."""
