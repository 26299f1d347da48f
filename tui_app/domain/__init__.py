"""Pure domain rules: key format, statuses, roles, validation, expiry. No I/O, no Textual."""
