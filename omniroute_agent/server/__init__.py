"""HTTP transport wiring: the app factory, its lifespan, auth and request ids, and the mounts."""
