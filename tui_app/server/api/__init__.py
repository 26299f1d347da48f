"""The HTTP layer: app factory, dependencies, routes, schemas, error envelope, middleware.

A route parses the request, calls one service and serialises its record; the statuses
and the error envelope are decided here and nowhere else.
"""
