"""Connect an agent: the connection settings of a key for each agent client, to copy."""
