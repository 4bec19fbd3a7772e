#!/usr/bin/env python3
"""kill_when.py WATCH_LOG OFFSET PID N TYPE LABEL [node]: follow the watch
log of watch_log.py from byte OFFSET (its size when the caller armed this:
python may take a while to start on a loaded box) and SIGKILL PID as soon as N events of TYPE (ADDED, MODIFIED,
DELETED) on objects labelled kill=LABEL have arrived (with "node": only
events whose nodeName is set). Prints the number of distinct such objects
at the kill; exits 1 if that did not happen within 60 s. Polls every 5 ms:
a shell loop is too slow to catch a controller mid-work.
"""
import json
import os
import signal
import sys
import time


def main(path, offset, pid, n, typ, label, node=""):
    names, count = set(), 0
    pos = int(offset)
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(path, "rb") as f:
            f.seek(pos)
            while True:
                line = f.readline()
                if not line.endswith(b"\n"):
                    break
                pos += len(line)
                try:
                    e = json.loads(line)
                except ValueError:
                    continue	# OFFSET fell inside a line
                if (e["type"] == typ and e["labels"].get("kill") == label and
                        (node != "node" or e["node"])):
                    count += 1
                    names.add(e["name"])
        if count >= int(n):
            os.kill(int(pid), signal.SIGKILL)
            print(len(names))
            return 0
        time.sleep(0.005)
    return 1


if __name__ == "__main__":
    if len(sys.argv) not in (7, 8):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
