"""Test process that ignores SIGTERM and, when asked, double-forks a daemon that does too.
Writes the pids it leaves running (one per line) to $PIDS_TO."""

import os
import signal
import sys
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
pids = [os.getpid()]
if "--double-fork" in sys.argv:
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setsid()  # leave the process group, as a real daemon does
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.write(write_end, f"{os.getpid()}\n".encode())
            while True:
                time.sleep(1)
        os._exit(0)
    os.close(write_end)
    pids.append(int(os.read(read_end, 64).decode().strip()))
with open(os.environ["PIDS_TO"] + ".tmp", "w") as f:
    f.write("\n".join(map(str, pids)) + "\n")
os.rename(os.environ["PIDS_TO"] + ".tmp", os.environ["PIDS_TO"])
print("stubborn and ready", flush=True)
while True:
    time.sleep(1)
