"""list_bytes.py PORT: a large JSON list (read from the store as it is sent,
chunked) against the same objects read other ways: pages of a few (one
buffer each), a label selector matching all (the parse path), one GET per
object. The bytes must be the same. Then clients that stall mid-list: each
holds one of the store's few cursors, the next large list is read first
(with its Content-Length) and writes go on; once they go away, lists stream
again. Prints TAP lines."""
import http.client
import json
import socket
import sys
import time

port = int(sys.argv[1])
NS = "lists"
N = 160
failed = False


def tap(ok, name, detail=""):
    global failed
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        failed = True
        if detail:
            print("#   " + detail[:400])


conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def req(method, path, body=None, ctype="application/json"):
    hdrs = {"Content-Type": ctype} if body is not None else {}
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn.request(method, path, body=body, headers=hdrs)
    r = conn.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


req("POST", "/api/v1/namespaces",
    json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}))
made = 0
for i in range(N):
    # Varied objects: sizes 0-6 KB, escapes, UTF-8, commas and brackets.
    data = {"k": "]}, \"q\" \\ \u00e9\u4e2d " + "x" * ((i * 7919) % 6000),
            "n": str(i)}
    if i % 3 == 0:
        data["multi"] = "a\nb\tc"
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "c%03d" % i, "labels": {"all": "yes", "m": str(i % 4)},
                        "annotations": {"i": str(i)}},
           "data": data}
    s, _, _ = req("POST", "/api/v1/namespaces/%s/configmaps" % NS,
                  json.dumps(obj, ensure_ascii=(i % 2 == 0)))
    made += s == 201
tap(made == N, "%d varied ConfigMaps created" % N)

base = "/api/v1/namespaces/%s/configmaps" % NS
s, h, full = req("GET", base)
tap(s == 200 and len(full) > 256 * 1024, "the list is large (%d bytes)" % len(full))
tap(h.get("transfer-encoding") == "chunked" and "content-length" not in h,
    "a large list is sent as it is read, chunked", str(h))
d = json.loads(full)
tap(len(d["items"]) == N and d["kind"] == "ConfigMapList", "it parses, with every item")
rv = d["metadata"]["resourceVersion"]
head = full[:full.index(b'"items":[') + len(b'"items":[')]

# The same connection serves the next request (keep-alive after a stream).
s, h, again = req("GET", base)
tap(s == 200 and again == full, "a second list on the same connection is the same")

# One GET per object: the stored bodies, joined as the old code did.
bodies = []
for i in range(N):
    s, _, b = req("GET", base + "/c%03d" % i)
    bodies.append(b)
tap(full == head + b",".join(bodies) + b"]}", "list bytes = head + the GETs' bodies")

# Pages of 20 (each one buffer) carry the same item bytes.
items, cont, pages = [], None, 0
while True:
    p = base + "?limit=20" + ("&continue=" + cont if cont else "")
    s, h, b = req("GET", p)
    if s != 200:
        break
    pages += 1
    pd = json.loads(b)
    start = b.index(b'"items":[') + len(b'"items":[')
    items.append(b[start:-2])
    cont = pd["metadata"].get("continue")
    if not cont:
        break
tap(pages == N // 20 and b",".join(items) == full[len(head):-2],
    "pages of 20 carry the same item bytes (%d pages)" % pages)

# A limit of 0 is no limit: the same stream.
s, h, z = req("GET", base + "?limit=0")
tap(s == 200 and z == full and h.get("transfer-encoding") == "chunked",
    "limit=0 is the same chunked list")

# A selector matching all parses every object, and must splice the same bytes.
s, h, sel = req("GET", base + "?labelSelector=all%3Dyes")
tap(s == 200 and sel == full, "a selector matching all gives the same bytes")
s, h, some = req("GET", base + "?labelSelector=m%3D1")
sd = json.loads(some)
tap(s == 200 and len(sd["items"]) == N // 4 and
    h.get("content-length") == str(len(some)), "a selector picking a quarter")

# Tables: printed row by row (with the objects: large, streamed) against
# pages of 20; the Age cell may tick between requests, the rest is equal.
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def table(path):
    conn.request("GET", path, headers={"Accept": TABLE})
    r = conn.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


def rows_of(t):
    return [(r["cells"][:-1], r["object"]) for r in t["rows"]]


s, h, tb = table(base + "?includeObject=Object")
td = json.loads(tb)
tap(s == 200 and len(tb) > 256 * 1024 and h.get("content-length") == str(len(tb))
    and td["kind"] == "Table" and len(td["rows"]) == N
    and [c["name"] for c in td["columnDefinitions"]] == ["Name", "Data", "Age"],
    "a large Table with the objects (%d bytes), sized" % len(tb))
tap(all(r["object"]["metadata"]["name"] == "c%03d" % i and r["cells"][0] == "c%03d" % i
        for i, r in enumerate(td["rows"])), "its rows carry their objects in order")
paged, cont = [], None
while True:
    s, h, b = table(base + "?includeObject=Object&limit=20" + ("&continue=" + cont if cont else ""))
    pd = json.loads(b)
    paged += rows_of(pd)
    cont = pd["metadata"].get("continue")
    if s != 200 or not cont:
        break
tap(paged == rows_of(td), "Table pages of 20 hold the same rows")
s, h, tm = table(base)
tmd = json.loads(tm)
tap(s == 200 and [r["object"]["kind"] for r in tmd["rows"]] == ["PartialObjectMetadata"] * N
    and [r["object"]["metadata"] for r in tmd["rows"]] == [r[1]["metadata"] for r in rows_of(td)],
    "a Table's metadata rows match the objects'")

# An empty list and a small one keep their old form: one buffer, sized.
s, h, e = req("GET", "/api/v1/namespaces/nosuch/configmaps")
tap(s == 200 and json.loads(e)["items"] == [] and e.endswith(b'"items":[]}')
    and h.get("content-length") == str(len(e)), "an empty list, sized")
s, h, small = req("GET", "/api/v1/namespaces")
tap(s == 200 and h.get("content-length") == str(len(small))
    and "transfer-encoding" not in h, "a small list is one buffer, sized")

# Clients that stall mid-list. The list must outgrow the sockets' buffers
# (a few MB on loopback), so that its cursor stays open: 24 x 500 KB.
BIG = "biglists"
req("POST", "/api/v1/namespaces",
    json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": BIG}}))
made = 0
for i in range(24):
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b%02d" % i},
           "data": {"k": "y" * 500000}}
    s, _, _ = req("POST", "/api/v1/namespaces/%s/configmaps" % BIG, json.dumps(obj))
    made += s == 201
tap(made == 24, "24 ConfigMaps of 500 KB")
big = "/api/v1/namespaces/%s/configmaps" % BIG


def stalled():
    """A client that asks for the big list and reads only its first bytes."""
    sk = socket.socket()
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sk.connect(("127.0.0.1", port))
    sk.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % big).encode())
    first = sk.recv(256)
    return sk, first


# The store keeps at most 2 cursors (STORE_CURSORS_MAX).
stall = [stalled() for _ in range(2)]
tap(all(f.startswith(b"HTTP/1.1 200") and b"chunked" in f.lower() for _, f in stall),
    "two clients stall mid-list, each on a chunked reply")
s, h, b = req("GET", big)
tap(s == 200 and h.get("content-length") == str(len(b)) and len(json.loads(b)["items"]) == 24,
    "meanwhile a large list is read first (no cursor free), sized, whole")
s, _, _ = req("POST", "/api/v1/namespaces/%s/configmaps" % BIG,
              json.dumps({"metadata": {"name": "during"}}))
s2, _, g = req("GET", big + "/during")
tap(s == 201 and s2 == 200, "writes and reads go on while they stall")
for sk, _ in stall:
    sk.close()
# Gone: their connections end and give the cursors back.
deadline, chunked = time.time() + 20, False
while time.time() < deadline and not chunked:
    s, h, b = req("GET", big)
    chunked = s == 200 and h.get("transfer-encoding") == "chunked"
    if not chunked:
        time.sleep(0.1)
tap(chunked and len(json.loads(b)["items"]) == 25,
    "once they are gone, lists are streamed again")
sys.exit(1 if failed else 0)
