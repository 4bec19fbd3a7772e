#!/usr/bin/env python3
"""ledger.py: acknowledged-write ledger for the durability suite (issue 16).

  ledger.py burst URL LEDGER PREFIX [--clients N] [--objects K] [--ops N]
      N client threads (own keep-alive connection each) create, PUT, merge
      PATCH and DELETE ConfigMaps PREFIX-<client>-<k> in namespace default,
      the content derived from a global sequence number. Every request is
      logged before it is sent ("try") and every reply after ("ack" with the
      resourceVersion for a 2xx, "fail" with the code otherwise). A client
      whose connection breaks logs "lost" and stops: its last try is unknown
      (committed or not). Runs until --ops requests per client or all
      clients stopped.
  ledger.py check URL LEDGER... [--upto REV]
      Lists the ConfigMaps and compares each ledger object with what the
      ledger says it must be: the content of its last acknowledged write, or
      absent after an acknowledged delete; a client's one unknown request may
      or may not have happened. With --upto REV (a power-loss copy whose
      store revision is REV) the expected state is that after every write of
      revision <= REV (a prefix of the commit order). Also checks that each
      object's acknowledged revisions increase. Prints "acked=N max_rv=R
      objects=K present=P" and one line per mismatch; exits 1 on any.
"""
import hashlib
import http.client
import json
import random
import sys
import threading
import urllib.parse

NS = "/api/v1/namespaces/default/configmaps"


def content(name, seq):
    """The data a write of sequence seq stores: checkable, a few hundred bytes."""
    h = hashlib.sha256(("%s:%d" % (name, seq)).encode()).hexdigest()
    return {"seq": str(seq), "sum": h * 4}


class Ledger:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()
        self.seq = 0

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def log(self, rec):
        line = json.dumps(rec, separators=(",", ":")) + "\n"
        with self.lock:
            self.f.write(line)
            self.f.flush()


def client(url, led, prefix, cid, nobj, nops, seed):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    rnd = random.Random(seed)
    present = {}
    for _ in range(nops):
        k = rnd.randrange(nobj)
        name = "%s-%d-%d" % (prefix, cid, k)
        seq = led.next_seq()
        if name not in present:
            op, method, path = "create", "POST", NS
            body = {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": name}, "data": content(name, seq)}
            ctype = "application/json"
        else:
            r = rnd.random()
            if r < 0.15:
                op, method, path, body, ctype = "delete", "DELETE", NS + "/" + name, None, None
            elif r < 0.55:
                op, method, path = "put", "PUT", NS + "/" + name
                body = {"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": name}, "data": content(name, seq)}
                ctype = "application/json"
            else:
                op, method, path = "patch", "PATCH", NS + "/" + name
                body = {"data": content(name, seq)}
                ctype = "application/merge-patch+json"
        rec = {"c": cid, "n": name, "op": op, "seq": seq}
        led.log(dict(rec, st="try"))
        try:
            data = json.dumps(body).encode() if body is not None else None
            hdr = {"Content-Type": ctype} if ctype else {}
            conn.request(method, path, body=data, headers=hdr)
            resp = conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as e:
            led.log(dict(rec, st="lost", err=type(e).__name__))
            return
        if resp.status // 100 != 2:
            led.log(dict(rec, st="fail", code=resp.status))
            continue
        rv = None
        try:
            rv = int(json.loads(raw)["metadata"]["resourceVersion"])
        except (ValueError, KeyError, TypeError):
            pass
        led.log(dict(rec, st="ack", code=resp.status, rv=rv))
        if op == "delete":
            present.pop(name, None)
        else:
            present[name] = seq


def burst(argv):
    url, path, prefix = argv[0], argv[1], argv[2]
    opts = dict(zip(argv[3::2], argv[4::2]))
    n = int(opts.get("--clients", 4))
    led = Ledger(path)
    ts = [threading.Thread(target=client, args=(url, led, prefix, i,
                                                int(opts.get("--objects", 20)),
                                                int(opts.get("--ops", 1000000)),
                                                hash((prefix, i))))
          for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return 0


def expected(paths, upto):
    """name -> (allowed states, acked revisions); a state is None or a seq."""
    recs = []
    for p in paths:
        with open(p) as f:
            for line in f:
                if line.endswith("\n"):
                    recs.append(json.loads(line))
    state, unknown, rvs = {}, {}, {}
    acked = 0
    for r in recs:
        n = r["n"]
        state.setdefault(n, None)
        if r["st"] == "try":
            unknown[n] = r
        elif r["st"] in ("ack", "fail"):
            unknown.pop(n, None)
            if r["st"] == "fail":
                continue
            if r.get("rv") is None:
                raise SystemExit("ack without resourceVersion: %r" % r)
            if upto is not None and r["rv"] > upto:
                continue
            acked += 1
            rvs.setdefault(n, []).append(r["rv"])
            state[n] = None if r["op"] == "delete" else r["seq"]
    allowed = {n: {s} for n, s in state.items()}
    if upto is None:
        for n, r in unknown.items():
            allowed[n].add(None if r["op"] == "delete" else r["seq"])
    return allowed, rvs, acked


def check(argv):
    url = argv[0]
    upto = None
    paths = []
    i = 1
    while i < len(argv):
        if argv[i] == "--upto":
            upto = int(argv[i + 1])
            i += 2
        else:
            paths.append(argv[i])
            i += 1
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request("GET", NS)
    lst = json.loads(conn.getresponse().read())
    have = {o["metadata"]["name"]: o for o in lst["items"]}
    allowed, rvs, acked = expected(paths, upto)
    bad = 0
    for n, ok in sorted(allowed.items()):
        o = have.get(n)
        if o is None:
            got = None
        else:
            d = o.get("data", {})
            got = int(d.get("seq", "-1"))
            if d != content(n, got):
                print("half-present %s: data %r" % (n, d))
                bad += 1
                continue
        if got not in ok:
            print("mismatch %s: want one of %s, got %s" % (n, sorted(ok, key=str), got))
            bad += 1
    for n, rs in rvs.items():
        if any(b <= a for a, b in zip(rs, rs[1:])):
            print("revisions of %s not increasing: %s" % (n, rs))
            bad += 1
    max_rv = max((max(rs) for rs in rvs.values()), default=0)
    present = sum(1 for n in allowed if n in have)
    print("acked=%d max_rv=%d objects=%d present=%d list_rv=%s bad=%d" %
          (acked, max_rv, len(allowed), present, lst["metadata"].get("resourceVersion"), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("burst", "check"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit((burst if sys.argv[1] == "burst" else check)(sys.argv[2:]))
