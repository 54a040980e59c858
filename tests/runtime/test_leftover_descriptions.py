"""Leftover reports (the reaper's note, the next run's sweep message) name a process by its
program and script only: the other arguments can carry a password the next run cannot mask."""

from __future__ import annotations

import sys

from pyspire.runtime.procs import describe_command


def test_a_leftover_is_named_by_its_program_and_script_never_its_other_arguments(tmp_path):
    script = tmp_path / "server.py"
    script.write_text("")
    assert describe_command([sys.executable, str(script), "--password", "hunter2-x"]) == (
        f"{sys.executable.rsplit('/', 1)[-1]} server.py"
    )
    assert describe_command(["/usr/bin/redis-server", "--requirepass", "hunter2-x"]) == "redis-server"
    assert describe_command(["python", "-c", "print('hunter2-x')"]) == "python"
    assert describe_command(["app", "hunter2-x"]) == "app"
    assert describe_command([]) == "?"
