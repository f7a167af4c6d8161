"""Who may call, and how much (docs/callers.md).

@public and @requires, bearer tokens and key sets, the development key, the gate, the rate
limit, the in-flight cap and CORS.
"""
