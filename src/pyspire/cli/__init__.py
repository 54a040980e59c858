"""The ``pyspire`` command line."""
