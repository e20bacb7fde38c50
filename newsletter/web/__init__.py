"""The web app: editors' area, JSON API (later: subscribers' pages and the public archive).

A layer like the CLI: it calls the domain, the domain never imports it.
"""
