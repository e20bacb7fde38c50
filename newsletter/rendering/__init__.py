"""Pure rendering of editions: Jinja2 → MJML → HTML with inlined CSS, plus a text part.

Nothing here touches the database, the network or the clock; templates are read from disk
once and cached. Preview, test send and real send all call :meth:`Renderer.render`.
"""
