"""HTTP routes, one module per area of the API: own keys, the admin view, audit, users,
verify, and the caller's identity."""
