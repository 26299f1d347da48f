"""HTTP routes, one module per area of SPEC §2."""
