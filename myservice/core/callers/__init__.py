"""Who may call: @public and @requires, bearer tokens and key sets, the development key, the gate, rate limits, CORS."""
