"""The HTTP layer: app factory, dependencies, routes, schemas, error envelope, middleware."""
