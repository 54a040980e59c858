"""Integrations: resource types built on :mod:`pyspire.extensions` only (Python and Node apps,
Redis, PostgreSQL, …), one subpackage each."""
