"""The infrastructure every feature shares: the outbox and the worker heartbeat, periods and the
committee's "today", protected files and their storage, archiving, backups, imports' text
cells, logs and error pages, the health check, middleware. Imports no feature package."""
