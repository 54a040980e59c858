"""Test process that leaves a daemon nothing but a cgroup can find: it double-forks, the daemon
calls setsid() (leaving the process group) and execs ``sleep`` with an empty environment (no
marker left). With ``--keep-env`` the daemon keeps its environment, as most daemons do.
Writes the daemon's pid to $PIDS_TO, then waits."""

import os
import shutil
import sys
import time

sleep = shutil.which("sleep") or "/bin/sleep"
environment = dict(os.environ) if "--keep-env" in sys.argv else {}
read_end, write_end = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(write_end, f"{os.getpid()}\n".encode())
        os.execve(sleep, ["sleep", "600"], environment)
    os._exit(0)
os.close(write_end)
received = b""
while chunk := os.read(read_end, 64):  # end of file: the daemon has exec'd (the pipe is close-on-exec)
    received += chunk
daemon = received.decode().strip()
with open(os.environ["PIDS_TO"] + ".tmp", "w") as f:
    f.write(daemon + "\n")
os.rename(os.environ["PIDS_TO"] + ".tmp", os.environ["PIDS_TO"])
print("daemon started", flush=True)
while True:
    time.sleep(1)
