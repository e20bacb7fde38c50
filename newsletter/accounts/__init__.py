"""Editors' accounts: users and their roles, passwords, API tokens, login throttling."""
