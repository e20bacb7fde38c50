"""One error root: every error a user can meet carries a message and a hint to fix it."""

from __future__ import annotations


class NewsletterError(Exception):
    """Base of all expected errors; the CLI prints ``message`` and ``hint`` on one line.
    A hint ``for_operators`` (configuration keys, commands) is left out of web pages."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "", for_operators: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.for_operators = for_operators

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(NewsletterError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = 2


class DatabaseError(NewsletterError):
    """The database cannot be reached or its schema is not up to date."""


class SourceError(NewsletterError):
    """A source could not be fetched or parsed; it is recorded and skipped."""


class InputError(NewsletterError):
    """Something a user typed or imported is invalid."""


class NotFoundError(NewsletterError):
    """A named object (item, source, edition…) does not exist."""


class RenderError(NewsletterError):
    """A template is missing or broken, or produced something that is not a valid email."""


class AuthenticationError(NewsletterError):
    """Who is asking is unknown: no session, a wrong password or an invalid API token."""


class PermissionDenied(NewsletterError):
    """The account is known but its role does not allow the action."""


class MailError(NewsletterError):
    """A single email (a confirmation, a notice) could not be handed to the relay."""
