"""Tickets answered by e-mail (docs/email.md): a message left in the chat widget while nobody takes
chats becomes a ticket whose public replies are e-mailed to the requester.

* ``actions``: the visitor's message, offline or not (the one call of the widget's socket and REST
  endpoint), and the outcome of each e-mail on the ticket's timeline;
* ``jobs``: the durable send (a listener on ``ticket.comment_added`` whose condition reads the
  event's ``email`` field alone), retried on temporary failures;
* ``messages``: what is said, in the customer's language (the chat confirmation, the e-mail);
* ``queries``: where a ticket's replies go (the console shows it near the reply box).

The e-mail itself is composed and handed over by ``wowdesk.channels.email`` (transport only).
"""
