"""``collector review DIR``: a local web app to review refunds before filing.

Starlette under uvicorn, bound to 127.0.0.1 by default, reachable only with the random token
printed with its URL; see ``security`` for what every request must carry, ``app`` for the pages,
``server`` for starting it. The decisions, added files and the filing packet themselves are
``evidence.review`` (no web code there).
"""
