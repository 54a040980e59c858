"""Test client: writes its environment and argv as JSON to the file named by $DUMP_TO, then idles."""

import json
import os
import sys
import time

with open(os.environ["DUMP_TO"] + ".tmp", "w") as f:
    json.dump({"env": dict(os.environ), "argv": sys.argv[1:], "cwd": os.getcwd()}, f)
os.rename(os.environ["DUMP_TO"] + ".tmp", os.environ["DUMP_TO"])
print("dumped", flush=True)
time.sleep(3600)
