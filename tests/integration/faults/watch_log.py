#!/usr/bin/env python3
"""watch_log.py URL PATH OUT: append every watch event of PATH (a list path,
e.g. /api/v1/pods) to OUT as one JSON line {type, name, ns, rv, node, owner}
from the current revision on, resuming from the last revision seen whenever
the stream ends or the apiserver is away (until killed). convergence.sh
reads it to prove that no pod was bound twice or created twice.
"""
import http.client
import json
import sys
import time
import urllib.parse


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
                for line in r:
                    if not line.strip():
                        continue
                    ev = json.loads(line)
                    o = ev.get("object", {})
                    m = o.get("metadata", {})
                    if ev.get("type") == "ERROR":
                        rv = None	# expired: list again
                        break
                    rv = m.get("resourceVersion", rv)
                    if ev.get("type") == "BOOKMARK":
                        continue
                    owners = m.get("ownerReferences") or [{}]
                    f.write(json.dumps({"type": ev["type"], "name": m.get("name"),
                                        "ns": m.get("namespace"), "rv": rv,
                                        "node": (o.get("spec") or {}).get("nodeName", ""),
                                        "owner": owners[0].get("name", ""),
                                        "labels": m.get("labels") or {}}) + "\n")
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(0.2)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(*sys.argv[1:])
