"""Tables, migrations and queries: what is stored and how to read and write it fast.

The store decides nothing about who may do what, and knows no HTTP: it takes typed
values and returns rows or records (domain.models). Where a query has a fast path (a
team's keys through key_teams, SQLite's full-text index), it sits behind the same
function as the plain one.
"""
