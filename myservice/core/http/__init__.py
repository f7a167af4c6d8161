"""HTTP as the service speaks it: problems, the request class, JSON, ids, headers, addresses."""
