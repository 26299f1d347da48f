"""agentkeys: manage the API keys people give to AI agents, from the terminal."""

__version__ = "0.1.0"
