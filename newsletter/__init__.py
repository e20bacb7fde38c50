"""Lettre: the newsletter and network-mailing pipeline of Profession Banlieue."""

__version__ = "0.1.0"
