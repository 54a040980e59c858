"""The orders API of the pyspire ``orders`` example: FastAPI + SQLAlchemy (psycopg 3) + RQ.

It imports nothing of pyspire: everything it needs comes from environment variables the app host
sets with ``with_reference(db)`` / ``with_reference(cache)`` (see ``settings.py``), so the same
code runs under pyspire, by hand, or in a container.
"""
