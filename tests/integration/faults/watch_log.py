#!/usr/bin/env python3
"""watch_log.py URL PATH OUT: append every watch event of PATH (a list path,
e.g. /api/v1/pods) to OUT as one JSON line {type, name, ns, rv, node, owner,
labels} from the current revision on, resuming from the last revision seen
whenever the stream ends or the apiserver is away (until killed).
convergence.sh reads it to prove that no pod was bound twice or created
twice, and kill_when.py to kill a daemon mid-work.
"""
import http.client
import json
import sys
import time
import urllib.parse


def record(f, line, rv):
    """Write one event line; returns the new revision, or None to relist."""
    ev = json.loads(line)
    o = ev.get("object", {})
    m = o.get("metadata", {})
    if ev.get("type") == "ERROR":
        return None
    rv = m.get("resourceVersion", rv)
    if ev.get("type") == "BOOKMARK":
        return rv
    owners = m.get("ownerReferences") or [{}]
    f.write(json.dumps({"type": ev["type"], "name": m.get("name"),
                        "ns": m.get("namespace"), "rv": rv,
                        "node": (o.get("spec") or {}).get("nodeName", ""),
                        "owner": owners[0].get("name", ""),
                        "labels": m.get("labels") or {}}) + "\n")
    return rv


def main(url, path, out):
    u = urllib.parse.urlsplit(url)
    rv = None
    with open(out, "a", buffering=1) as f:
        while True:
            try:
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
                if rv is None:
                    c.request("GET", path)
                    rv = json.loads(c.getresponse().read())["metadata"]["resourceVersion"]
                c.request("GET", "%s?watch=1&resourceVersion=%s&timeoutSeconds=50" % (path, rv))
                r = c.getresponse()
                if r.status != 200:
                    r.read()
                    raise OSError("watch: %d" % r.status)
                buf = b""
                while rv is not None:
                    # read1: what has arrived (iterating the response waits
                    # for a full buffer, holding back a quiet stream)
                    chunk = r.read1(65536)
                    if not chunk:
                        break
                    lines = (buf + chunk).split(b"\n")
                    buf = lines.pop()
                    for line in lines:
                        if line.strip() and rv is not None:
                            rv = record(f, line, rv)
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(0.2)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(*sys.argv[1:])
