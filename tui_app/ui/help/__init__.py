"""Help: every key binding, read from the bindings themselves."""
