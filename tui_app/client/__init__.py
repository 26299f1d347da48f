"""HTTP client for the agentkeys API, config and credentials. Never imports textual."""
