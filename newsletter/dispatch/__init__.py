"""Dispatch: turning a rendered edition into messages and handing them to a mail server.

- ``message``: per-recipient RFC 5322 bytes from edition-level values, without building an
  ``email.message`` object per recipient; VERP envelope senders.
- ``dkim``: optional DKIM signing (dkimpy).
- ``transports``: the two-method interface every transport offers, and the configured one;
  ``smtp`` and ``maildir`` are its implementations.
- ``ratelimit``: messages per second and per hour, shared by every sending thread.
- ``errors``: what a server's reply means for the message (retry, give up, reconnect).
"""
