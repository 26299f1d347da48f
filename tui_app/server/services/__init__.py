"""The server's use cases, one function each, one transaction each.

Every front door (the HTTP routes, the CLI's server commands, an MCP tool) calls these,
so a rule lives in one place. They take plain values and records and return records
(domain.models, or a small frozen dataclass of the service); what they refuse they
raise as domain errors (domain.errors) or FieldErrors, never as HTTP, and they write the
audit entries of what they change. They reach the database only through store/.
"""
