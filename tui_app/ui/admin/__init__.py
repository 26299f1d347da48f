"""Admin: triage of every key a manager or admin may manage, paged from the server."""
