"""The only layer that touches the OS: processes, signals, ports."""
