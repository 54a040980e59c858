"""Tests of pyspire.proxy (a package so test module names cannot collide with other folders)."""
