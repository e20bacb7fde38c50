"""Dispatch: turning a rendered edition into messages and handing them to a mail server.

- ``message``: per-recipient RFC 5322 bytes from edition-level values, without building an
  ``email.message`` object per recipient; VERP envelope senders.
- ``dkim``: optional DKIM signing (dkimpy).
- ``transports``: the two-method interface every transport offers, and the configured one;
  ``smtp`` and ``maildir`` are its implementations.
- ``ratelimit``: messages per second, shared by every sending thread of a process.
- ``errors``: what a server's reply means for the message (retry, give up, reconnect).
- ``ledger``, ``store``, ``claims``, ``edition_ledger``: the deliveries ledger and how a
  send works it; ``senders``: the live senders, their heartbeats, waking them to pause.
- ``sender`` (the parent of a send), ``worker`` (its sending processes), ``controls`` (the
  memory they share), ``share`` (each sender's part of the rates), ``watch`` (signals and
  the relay), ``report`` (how a run ended).
"""
