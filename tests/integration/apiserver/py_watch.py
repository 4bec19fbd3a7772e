"""The official Python client's watch against ckube: the client sends
watch=True (capitalised) and must get a stream of ADDED events, not a List.
Usage: py_watch.py API_URL NAMESPACE. Prints the event lines it saw."""
import sys

try:
    from kubernetes import client, watch
except ImportError:
    print("# SKIP no kubernetes module")
    sys.exit(3)

conf = client.Configuration()
conf.host = sys.argv[1]
api = client.CoreV1Api(client.ApiClient(conf))
ns = sys.argv[2]
rv = api.list_namespaced_config_map(ns).metadata.resource_version
for name in ("py-a", "py-b"):
    api.create_namespaced_config_map(ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name), data={"k": name}))
seen = []
w = watch.Watch()
for ev in w.stream(api.list_namespaced_config_map, ns, resource_version=rv,
                   timeout_seconds=10):
    seen.append("%s %s" % (ev["type"], ev["object"].metadata.name))
    if len(seen) == 2:
        w.stop()
        break
print("\n".join(seen))
