"""Audit log: what happened to the keys the caller may see."""
