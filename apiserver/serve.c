/*
 * serve.c: the apiserver's wiring, shared by ckube-apiserver and
 * ckube-federation-apiserver (apiserver_main with a profile): flags, the
 * store, the watch log and bus, the HTTP listener, the default namespaces,
 * and a clean stop on SIGTERM or SIGINT (end every watch, stop HTTP, close
 * the store). Logic lives in the library files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckube/bus.h"
#include "ckube/daemon.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "apiserver.h"
#include "auth.h"
#include "crud.h"
#include "data_lock.h"
#include "kind_count.h"
#include "ns_cache.h"
#include "sa_jwt.h"
#include "rbac.h"
#include "validation_kind.h"
#include "http.h"
#include "store/store.h"
#include "watch.h"

/* A stopping apiserver may still hold --data-dir this long (closing its store). */
#define DATA_LOCK_WAIT_MS	10000

static const char *opt_bind;
static int64_t opt_port;
static const char *opt_port_file;
static const char *opt_data_dir;
static const char *opt_watch_bus;
static int64_t opt_max_body;
static int64_t opt_compact_ms;
static int64_t opt_heartbeat_ms;
static int64_t opt_bus_linger_ms;
static int64_t opt_v;
static int opt_allow_privileged;
static const char *opt_service_range;
static const char *opt_kubelet_allow;
static int64_t opt_apiservice_check_ms;
static const char *opt_storage_sync;
static int64_t opt_recent_bytes;
static const char *opt_storage_backend;
static const char *opt_etcd_servers;
static const char *opt_etcd_prefix;
static int64_t opt_max_inflight;
static int64_t opt_max_mutating;
static int64_t opt_watch_queue;
static int64_t opt_http_threads;
static int64_t opt_max_conns;
static int64_t opt_idle_ms;
static int64_t opt_header_ms;
static const char *opt_sa_issuer;
static const char *opt_sa_signing_key;
static const char *opt_sa_key_files;
static int64_t opt_secure_port;
static const char *opt_secure_port_file;
static const char *opt_secure_bind;
static const char *opt_tls_cert;
static const char *opt_tls_key;
static const char *opt_client_ca;
static const char *opt_token_file;
static int opt_anonymous;
static const char *opt_authz_mode;

static const struct flag apiserver_flags[] = {
	{ "bind-address", FLAG_STRING, &opt_bind, "127.0.0.1", "Serving",
	    "IPv4 address of the insecure HTTP port (no authentication, "
	    "everything allowed); must be a loopback address when the secure "
	    "port is served (--tls-cert-file)" },
	{ "port", FLAG_INT, &opt_port, "8080", "Serving",
	    "insecure HTTP port to listen on (0 = an ephemeral port; see "
	    "--port-file)" },
	{ "port-file", FLAG_STRING, &opt_port_file, NULL, "Serving",
	    "write the bound port to this file once listening" },
	{ "secure-port", FLAG_INT, &opt_secure_port, "6443", "Secure serving",
	    "HTTPS port, served when --tls-cert-file is given (0 = an "
	    "ephemeral port; see --secure-port-file)" },
	{ "secure-port-file", FLAG_STRING, &opt_secure_port_file, NULL,
	    "Secure serving",
	    "write the bound secure port to this file once listening" },
	{ "secure-bind-address", FLAG_STRING, &opt_secure_bind, "0.0.0.0",
	    "Secure serving", "IPv4 address of the HTTPS port" },
	{ "tls-cert-file", FLAG_STRING, &opt_tls_cert, NULL, "Secure serving",
	    "PEM certificate (chain) of the HTTPS port; enables it "
	    "(TLS 1.2 and 1.3 only)" },
	{ "tls-private-key-file", FLAG_STRING, &opt_tls_key, NULL,
	    "Secure serving", "PEM private key of --tls-cert-file" },
	{ "client-ca-file", FLAG_STRING, &opt_client_ca, NULL,
	    "Authentication",
	    "PEM CA bundle: a client certificate signed by it authenticates "
	    "its subject's CN as the user name and each O as a group" },
	{ "token-auth-file", FLAG_STRING, &opt_token_file, NULL,
	    "Authentication",
	    "static bearer tokens, CSV lines token,user,uid,\"group1,group2\""
	    " (read once at start; a bad line stops the start)" },
	{ "anonymous-auth", FLAG_BOOL, &opt_anonymous, "false",
	    "Authentication",
	    "serve requests without credentials on the secure port as "
	    "system:anonymous (group system:unauthenticated) instead of "
	    "401 (/healthz, /livez and /readyz never need credentials)" },
	{ "max-request-bytes", FLAG_SIZE, &opt_max_body, "3Mi", "Serving",
	    "largest accepted request body (413 above)" },
	{ "max-requests-inflight", FLAG_INT, &opt_max_inflight, "400",
	    "Serving",
	    "most non-mutating requests served at once; more get 429 with "
	    "Retry-After (0 = no limit; watches and health/metrics exempt)" },
	{ "max-mutating-requests-inflight", FLAG_INT, &opt_max_mutating,
	    "200", "Serving",
	    "most mutating requests served at once; more get 429 with "
	    "Retry-After (0 = no limit)" },
	{ "http-threads", FLAG_INT, &opt_http_threads, "0", "Serving",
	    "threads running the handlers of lists, watch starts, "
	    "deletecollection and pods/log (0 = max(4, 2 x cores)); "
	    "libmicrohttpd's two I/O threads answer single-object reads, "
	    "writes and health checks, and stream watches" },
	{ "max-connections", FLAG_INT, &opt_max_conns, "16384", "Serving",
	    "most open client connections, watches included (capped by the "
	    "open-file limit, whose soft value is raised to the hard one)" },
	{ "idle-connection-timeout", FLAG_DURATION, &opt_idle_ms, "90s",
	    "Serving",
	    "close a connection on which no byte moved for this long (a "
	    "sleeping watch is exempt; a watch whose client takes nothing "
	    "for this long is closed too; 0 = never)" },
	{ "request-header-timeout", FLAG_DURATION, &opt_header_ms, "10s",
	    "Serving",
	    "close a connection that started a request and has not sent its "
	    "complete headers within this time (slow clients holding "
	    "connections; 0 = never)" },
	{ "data-dir", FLAG_STRING, &opt_data_dir, "var/apiserver", "Storage",
	    "directory of the SQLite database (ckube.db); created if missing; "
	    "one apiserver per directory (a second one waits 10s for its "
	    "lock, then exits 1)" },
	{ "storage-backend", FLAG_STRING, &opt_storage_backend, "sqlite",
	    "Storage",
	    "sqlite (one file under --data-dir, this apiserver alone) or "
	    "etcd3 (etcd v3 at --etcd-servers, shareable by several "
	    "apiservers)" },
	{ "etcd-servers", FLAG_STRING, &opt_etcd_servers, NULL, "Storage",
	    "comma-separated http:// URLs of the etcd members (etcd3 "
	    "backend); an unreachable member is left for the next one" },
	{ "etcd-prefix", FLAG_STRING, &opt_etcd_prefix, "/registry",
	    "Storage",
	    "the key prefix of every object in etcd "
	    "(<prefix>/<resource>/[<namespace>/]<name>)" },
	{ "storage-sync", FLAG_STRING, &opt_storage_sync, "normal", "Storage",
	    "durability of acknowledged writes: normal (SQLite synchronous="
	    "NORMAL in WAL mode: a killed apiserver loses nothing, an OS "
	    "crash or power loss can lose the last acknowledged writes, "
	    "never corrupting the database) or full (an fsync per commit: "
	    "nothing acknowledged is lost, slower writes); sqlite only: etcd "
	    "syncs its members' disks itself" },
	{ "storage-recent-bytes", FLAG_SIZE, &opt_recent_bytes, "16Mi",
	    "Storage",
	    "the bodies of the objects written last that answer GETs without "
	    "a database read (most GETs read what was just written: a binding "
	    "the pod just created); more covers a longer backlog at that "
	    "much memory (0 = none; sqlite only)" },
	{ "compaction-interval", FLAG_DURATION, &opt_compact_ms, "5m",
	    "Storage",
	    "compact the change log every interval, keeping the last "
	    "interval (0 = never)" },
	{ "watch-bus", FLAG_STRING, &opt_watch_bus, NULL, "Watch",
	    "nanomsg URL to publish changes on "
	    "(default ipc://<data-dir>/bus; \"\" = off; an ipc bus also "
	    "binds <path>.pods and <path>.events for those resources)" },
	{ "watch-bus-linger", FLAG_DURATION, &opt_bus_linger_ms, "5ms",
	    "Watch",
	    "while the bus is busy, gather changes this long into one "
	    "message (fewer wake-ups of every daemon; 0 = send each at once; "
	    "at most 1s)" },
	{ "watch-heartbeat", FLAG_DURATION, &opt_heartbeat_ms, "30s", "Watch",
	    "idle watch keepalive period "
	    "(a BOOKMARK if asked for, else a newline)" },
	{ "watch-queue-bytes", FLAG_SIZE, &opt_watch_queue,
	    WATCH_QUEUE_BUDGET_DEFAULT, "Watch",
	    "budget of the events queued for every watcher together; past "
	    "it a watcher holding more than its share (budget / watchers) is "
	    "ended with 410 Expired and relists (0 = no budget; a watcher "
	    "is also ended past 16 MiB)" },
	{ "service-account-issuer", FLAG_STRING, &opt_sa_issuer,
	    "https://kubernetes.default.svc.cluster.local", "Authentication",
	    "the iss claim of the ServiceAccount tokens this server issues "
	    "and accepts" },
	{ "service-account-signing-key-file", FLAG_STRING,
	    &opt_sa_signing_key, NULL, "Authentication",
	    "PEM RSA private key that signs ServiceAccount tokens "
	    "(serviceaccounts/NAME/token, `kubectl create token`; without "
	    "it that subresource answers 404)" },
	{ "service-account-key-file", FLAG_STRING, &opt_sa_key_files, NULL,
	    "Authentication",
	    "comma-separated PEM files (public keys, certificates or "
	    "private keys) that verify ServiceAccount tokens (default: the "
	    "signing key's public half)" },
	{ "service-cluster-ip-range", FLAG_STRING, &opt_service_range,
	    "10.96.0.0/12", "Services",
	    "IPv4 CIDR range Service ClusterIPs are allocated from" },
	{ "kubelet-address-allow", FLAG_STRING, &opt_kubelet_allow,
	    "127.0.0.0/8,::1", "Services",
	    "comma-separated IPs or CIDRs pods/log and pods/exec may reach: a "
	    "node's kubelet URL must be http(s) to an IP literal in this list "
	    "(and the Endpoints of an APIService's backend)" },
	{ "apiservice-check-period", FLAG_DURATION, &opt_apiservice_check_ms,
	    "5s", "Services", "how often each APIService's backend is "
	    "probed for its Available condition (0: never)" },
	{ "default-not-ready-toleration-seconds", FLAG_INT,
	    &admission_not_ready_seconds, "300", "Admission",
	    "the tolerationSeconds of the toleration for notReady:NoExecute "
	    "that is added by default to every pod that does not already "
	    "have such a toleration" },
	{ "default-unreachable-toleration-seconds", FLAG_INT,
	    &admission_unreachable_seconds, "300", "Admission",
	    "the tolerationSeconds of the toleration for unreachable:NoExecute "
	    "that is added by default to every pod that does not already "
	    "have such a toleration" },
	{ "authorization-mode", FLAG_STRING, &opt_authz_mode, "AlwaysAllow",
	    "Security",
	    "ordered comma list of authorizers for requests of an "
	    "authenticated user: AlwaysAllow, AlwaysDeny, RBAC (the first "
	    "to allow or deny decides; RBAC also creates the default roles "
	    "and bindings at start). The insecure port is always allowed" },
	{ "allow-privileged", FLAG_BOOL, &opt_allow_privileged, "false",
	    "Admission", "if true, allow privileged containers "
	    "(securityContext.privileged); otherwise pods and pod templates "
	    "asking for one are refused (422)" },
	{ "v", FLAG_INT, &opt_v, "0", "Logging", "log verbosity" },
};

const struct apiserver_profile apiserver_profile_cluster = {
	.name = "ckube-apiserver",
	.summary =
	    "the ckube API server: Kubernetes REST over SQLite, with watches",
	.federation = false,
};

static volatile sig_atomic_t got_signal;

/* The store's commit hook: namespace states, then watches and the bus. */
static void
on_commit(const struct store_event *ev, void *arg)
{
	struct apiserver *srv = arg;

	ns_cache_observe(srv->nsc, ev);
	kind_count_observe(srv->kinds, ev);
	pc_cache_observe(srv->pcc, ev);
	rbac_observe(srv->rbac, ev);
	watchlog_commit(ev, srv->wl);
}

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t i;

	if (ck_strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		fatalx("--data-dir too long");
	for (i = 1; buf[i] != '\0'; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			fatal("mkdir %s", buf);
		buf[i] = '/';
	}
	/* the data folder holds every Secret: its owner's only */
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		fatal("mkdir %s", buf);
}

/* Write the port to path through a temporary file and rename(2). */
static void
write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX];
	FILE *f;
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		fatalx("--port-file too long");
	f = fopen(tmp, "w");
	if (f == NULL)
		fatal("open %s", tmp);
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		fatal("write %s", tmp);
	if (rename(tmp, path) < 0)
		fatal("rename %s", path);
}

/* The whole file (PEM text) of flag, malloc'd; fatal when unreadable. */
static char *
read_pem(const char *flag, const char *path)
{
	struct strbuf sb;
	char buf[4096];
	FILE *f;
	size_t n;

	f = fopen(path, "r");
	if (f == NULL)
		fatal("--%s %s", flag, path);
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len < (4u << 20))
		strbuf_add(&sb, buf, n);
	if (ferror(f) || sb.len == 0)
		fatalx("--%s %s: cannot read it (or it is empty)", flag, path);
	fclose(f);
	strbuf_addc(&sb, '\0');
	return strbuf_detach(&sb, NULL);
}

/* 127.0.0.0/8 */
static bool
is_loopback(const char *addr)
{
	struct in_addr a;

	return inet_pton(AF_INET, addr, &a) == 1 &&
	    (ntohl(a.s_addr) >> 24) == 127;
}

/*
 * Raise the soft open-file limit to the hard one, and keep the connection
 * limit under it with room for the store, the bus and the logs: MHD stops
 * accepting at its limit (new clients wait in the backlog) instead of
 * failing accept() for want of descriptors.
 */
static unsigned
connection_limit(int64_t want)
{
	struct rlimit rl;
	int64_t cap;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return (unsigned)want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 30))
		return (unsigned)want;
	cap = (int64_t)rl.rlim_cur - 256;
	if (cap < 64)
		cap = 64;
	if (want > cap) {
		log_warn("--max-connections %lld: the open-file limit is "
		    "%lld; serving at most %lld", (long long)want,
		    (long long)rl.rlim_cur, (long long)cap);
		return (unsigned)cap;
	}
	return (unsigned)want;
}

/* DATA_LOCK_WAIT_MS; tests shorten it with CKUBE_TEST_DATA_LOCK_WAIT_MS. */
static unsigned
data_lock_wait_ms(void)
{
	const char *v = getenv("CKUBE_TEST_DATA_LOCK_WAIT_MS");
	char *end;
	unsigned long ms;

	if (v == NULL || *v == '\0')
		return DATA_LOCK_WAIT_MS;
	errno = 0;
	ms = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || ms > DATA_LOCK_WAIT_MS)
		return DATA_LOCK_WAIT_MS;
	return (unsigned)ms;
}

/* The backend --storage-backend names. */
static void
open_store(const char *dbpath, struct store **out)
{
	struct store_etcd_config ec;
	struct ck_status st;

	ck_status_clear(&st);
	if (strcmp(opt_storage_backend, "etcd3") == 0) {
		memset(&ec, 0, sizeof(ec));
		ec.servers = opt_etcd_servers;
		ec.prefix = opt_etcd_prefix;
		ec.watch_on_hook = true;	/* the watchlog starts there */
		if (store_open_etcd(&ec, out, &st) < 0)
			fatalx("store: etcd %s: %s", opt_etcd_servers,
			    st.message);
		return;
	}
	if (store_open(dbpath, out, &st) < 0)
		fatalx("store %s: %s", dbpath, st.message);
	if (store_set_sync(*out, opt_storage_sync) < 0)
		fatalx("store %s: cannot set synchronous=%s", dbpath,
		    opt_storage_sync);
	store_set_recent_bytes(*out, (size_t)opt_recent_bytes);
}

static void
ensure_namespaces(struct apiserver *srv, const char *const *ns,
    size_t nns)
{
	size_t i;

	for (i = 0; i < nns; i++)
		if (crud_ensure_namespace(srv, ns[i]) < 0)
			fatalx("cannot create namespace %s", ns[i]);
}

/* The default namespaces, the kubernetes Service, system PriorityClasses. */
static void
ensure_cluster_objects(struct apiserver *srv, const char *const *ns,
    size_t nns)
{
	size_t i;

	ensure_namespaces(srv, ns, nns);
	if (crud_ensure_object(srv, "", "services", "default",
	    service_alloc_kubernetes_service()) < 0)
		fatalx("cannot create the kubernetes service");
	for (i = 0; i < admission_system_priority_classes(); i++)
		if (crud_ensure_object(srv, "scheduling.k8s.io",
		    "priorityclasses", "", admission_system_priority_class(i)) < 0)
			fatalx("cannot create the system PriorityClasses");
}

int
apiserver_main(const struct apiserver_profile *profile, int argc,
    char *argv[])
{
	static const char *const default_ns[] = { "default", "kube-system",
		"kube-public", "kube-node-lease" };
	/* federation-system holds the members' kubeconfig secrets. */
	static const char *const federation_ns[] = { "default",
		"federation-system" };
	const struct flags_prog prog = { .name = profile->name,
		.summary = profile->summary, .version = CKUBE_VERSION };
	const struct flag *const tables[] = { apiserver_flags };
	const size_t ntables[] = { ARRAY_SIZE(apiserver_flags) };
	struct apiserver srv;
	struct store *store = NULL;
	struct bus *bus = NULL;
	struct http_server *hs = NULL, *hss = NULL;
	struct http_config hc;
	struct authn_tokens *tokens = NULL;
	char *tls_cert = NULL, *tls_key = NULL, *client_ca = NULL;
	char err[512];
	long ncpu;
	struct ck_status st;
	struct sigaction sa;
	sigset_t mask, old;
	char errbuf[256];
	char dir[PATH_MAX], dbpath[PATH_MAX + 16], busurl[PATH_MAX + 16];
	const char *url;
	int rc;

	/*
	 * Block SIGTERM/SIGINT before any thread exists (store, bus, HTTP):
	 * only the main thread takes them, in sigsuspend() below.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	signal(SIGPIPE, SIG_IGN);

	if (profile->federation)
		registry_use_federation();
	rc = flags_parse(&prog, tables, ntables, 1, argc, argv);
	if (rc == FLAGS_EXIT_OK)
		return 0;
	if (rc != FLAGS_OK)
		return FLAGS_EXIT_USAGE;
	if (opt_port < 0 || opt_port > 65535)
		return flags_usage_error(&prog,
		    "--port %lld: out of range 0-65535", (long long)opt_port);
	if (opt_max_inflight < 0 || opt_max_mutating < 0)
		return flags_usage_error(&prog,
		    "--max-requests-inflight and "
		    "--max-mutating-requests-inflight must not be negative");
	if (opt_http_threads < 0 || opt_http_threads > 256)
		return flags_usage_error(&prog,
		    "--http-threads %lld: out of range 0-256",
		    (long long)opt_http_threads);
	if (opt_max_conns < 1 || opt_max_conns > 1000000)
		return flags_usage_error(&prog,
		    "--max-connections %lld: out of range 1-1000000",
		    (long long)opt_max_conns);
	if (opt_idle_ms < 0 || opt_header_ms < 0)
		return flags_usage_error(&prog,
		    "--idle-connection-timeout and --request-header-timeout "
		    "must not be negative");
	if (opt_watch_queue < 0)
		return flags_usage_error(&prog,
		    "--watch-queue-bytes must not be negative");
	if (opt_max_body <= 0)
		return flags_usage_error(&prog,
		    "--max-request-bytes must be positive");
	if (service_alloc_config(opt_service_range) < 0)
		return flags_usage_error(&prog,
		    "--service-cluster-ip-range %s: not an IPv4 CIDR "
		    "from /8 to /29", opt_service_range);
	if (strcmp(opt_storage_sync, "normal") != 0 &&
	    strcmp(opt_storage_sync, "full") != 0)
		return flags_usage_error(&prog,
		    "--storage-sync %s: want normal or full", opt_storage_sync);
	if (strcmp(opt_storage_backend, "sqlite") != 0 &&
	    strcmp(opt_storage_backend, "etcd3") != 0)
		return flags_usage_error(&prog,
		    "--storage-backend %s: want sqlite or etcd3",
		    opt_storage_backend);
	if (strcmp(opt_storage_backend, "etcd3") == 0 &&
	    (opt_etcd_servers == NULL || *opt_etcd_servers == '\0'))
		return flags_usage_error(&prog,
		    "--storage-backend etcd3 needs --etcd-servers");
	if (strcmp(opt_storage_backend, "etcd3") == 0 &&
	    strcmp(opt_storage_sync, "normal") != 0)
		return flags_usage_error(&prog, "--storage-sync %s: sqlite "
		    "only (etcd syncs every commit to its members' disks)",
		    opt_storage_sync);
	if (strcmp(opt_storage_backend, "etcd3") != 0 &&
	    opt_etcd_servers != NULL)
		return flags_usage_error(&prog,
		    "--etcd-servers needs --storage-backend etcd3");
	if (pod_log_config(opt_kubelet_allow) < 0)
		return flags_usage_error(&prog,
		    "--kubelet-address-allow %s: not a list of IPs or CIDRs "
		    "(at most 16)", opt_kubelet_allow);
	if (authz_config(opt_authz_mode, errbuf, sizeof(errbuf)) < 0)
		return flags_usage_error(&prog, "--authorization-mode %s: %s",
		    opt_authz_mode, errbuf);
	if (profile->federation && authz_rbac_enabled())
		return flags_usage_error(&prog, "--authorization-mode %s: the "
		    "federation apiserver does not serve RBAC's kinds",
		    opt_authz_mode);
	ck_status_clear(&st);
	if (authn_sa_config(opt_sa_issuer, opt_sa_signing_key,
	    opt_sa_key_files, &st) < 0)
		return flags_usage_error(&prog, "%s", st.message);
	if (opt_secure_port < 0 || opt_secure_port > 65535)
		return flags_usage_error(&prog,
		    "--secure-port %lld: out of range 0-65535",
		    (long long)opt_secure_port);
	if ((opt_tls_cert == NULL) != (opt_tls_key == NULL))
		return flags_usage_error(&prog, "--tls-cert-file and "
		    "--tls-private-key-file go together");
	if (opt_tls_cert == NULL && (opt_client_ca != NULL ||
	    opt_token_file != NULL || opt_anonymous))
		return flags_usage_error(&prog, "--client-ca-file, "
		    "--token-auth-file and --anonymous-auth need the secure "
		    "port (--tls-cert-file, --tls-private-key-file): kubectl "
		    "sends credentials only over HTTPS");
	if (opt_tls_cert != NULL && !is_loopback(opt_bind))
		return flags_usage_error(&prog, "--bind-address %s: the "
		    "insecure port allows everything to everyone; with the "
		    "secure port served it must be a loopback address "
		    "(127.0.0.1)", opt_bind);
	log_init(argv[0], (int)opt_v);
	validation_allow_privileged = opt_allow_privileged != 0;
	if (opt_token_file != NULL) {
		if (authn_tokens_load(opt_token_file, &tokens, err,
		    sizeof(err)) < 0)
			fatalx("--token-auth-file: %s", err);
		log_info("--token-auth-file %s: %zu tokens", opt_token_file,
		    authn_tokens_count(tokens));
	}
	authn_configure(tokens, opt_anonymous != 0);
	if (opt_tls_cert != NULL) {
		tls_cert = read_pem("tls-cert-file", opt_tls_cert);
		tls_key = read_pem("tls-private-key-file", opt_tls_key);
		if (opt_client_ca != NULL)
			client_ca = read_pem("client-ca-file", opt_client_ca);
	}

	mkdir_p(opt_data_dir);
	if (realpath(opt_data_dir, dir) == NULL)
		fatal("realpath %s", opt_data_dir);
	if (strcmp(opt_storage_backend, "sqlite") == 0 &&
	    data_lock(dir, data_lock_wait_ms(), err, sizeof(err)) < 0)
		fatalx("--data-dir: %s", err);
	snprintf(dbpath, sizeof(dbpath), "%s/ckube.db", dir);
	open_store(dbpath, &store);

	if (opt_watch_bus == NULL) {
		snprintf(busurl, sizeof(busurl), "ipc://%s/bus", dir);
		url = busurl;
	} else
		url = opt_watch_bus;
	if (url[0] != '\0') {
		rc = bus_open_pub(url, &bus);
		if (rc < 0)
			fatalx("--watch-bus %s: %s", url, ck_strerror(rc));
		if (bus_set_linger(bus, (long)opt_bus_linger_ms) < 0)
			fatalx("--watch-bus-linger: must be 0 to 1s");
	}

	memset(&srv, 0, sizeof(srv));
	srv.store = store;
	srv.max_body = opt_max_body;
	srv.heartbeat_ms = opt_heartbeat_ms;
	srv.wl = watchlog_new(store, bus, opt_heartbeat_ms, opt_compact_ms);
	srv.nsc = ns_cache_new();
	srv.kinds = kind_count_new(store);	/* before the hook */
	srv.pcc = pc_cache_new();
	if (authz_rbac_enabled())
		srv.rbac = rbac_new(store);
	srv.federation = profile->federation;
	watchlog_set_budget(srv.wl, opt_watch_queue);
	store_set_commit_hook(store, on_commit, &srv);

	if (profile->federation)
		ensure_namespaces(&srv, federation_ns,
		    ARRAY_SIZE(federation_ns));
	else
		ensure_cluster_objects(&srv, default_ns, ARRAY_SIZE(default_ns));

	if (srv.rbac != NULL && rbac_bootstrap(&srv) < 0)
		fatalx("cannot create the default RBAC roles and bindings");
	if (srv.rbac != NULL && rbac_start(srv.rbac) < 0)
		fatalx("cannot start the ClusterRole aggregation thread");

	if (watchlog_start(srv.wl) < 0)
		fatalx("cannot start the watch thread");
	memset(&hc, 0, sizeof(hc));
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	hc.threads = opt_http_threads > 0 ? (int)opt_http_threads
	    : ncpu > 2 ? (int)(2 * ncpu) : 4;
	hc.max_connections = connection_limit(opt_max_conns);
	hc.idle_timeout_s = (unsigned)((opt_idle_ms + 999) / 1000);
	hc.header_timeout_ms = opt_header_ms;
	if (http_start(&srv, opt_bind, (uint16_t)opt_port, &hc, &hs) < 0)
		fatalx("cannot start the HTTP server");
	if (!profile->federation &&
	    aggregator_start(&srv, opt_apiservice_check_ms) < 0)
		fatalx("cannot start the APIService availability thread");
	http_set_inflight(hs, opt_max_inflight, opt_max_mutating);
	if (tls_cert != NULL) {
		hc.tls_cert = tls_cert;
		hc.tls_key = tls_key;
		hc.client_ca = client_ca;
		if (http_start(&srv, opt_secure_bind, (uint16_t)opt_secure_port,
		    &hc, &hss) < 0)
			fatalx("cannot start the HTTPS server (--tls-cert-file "
			    "%s, --tls-private-key-file %s%s%s)", opt_tls_cert,
			    opt_tls_key, client_ca ? ", --client-ca-file " : "",
			    client_ca ? opt_client_ca : "");
		http_set_inflight(hss, opt_max_inflight, opt_max_mutating);
		if (opt_secure_port_file != NULL &&
		    opt_secure_port_file[0] != '\0')
			write_port_file(opt_secure_port_file, http_port(hss));
		log_info("%s: serving securely on https://%s:%u "
		    "(client certificates %s, %zu static tokens, anonymous "
		    "%s)", profile->name, opt_secure_bind, http_port(hss),
		    client_ca ? "on" : "off", authn_tokens_count(tokens),
		    opt_anonymous ? "on" : "off");
	}
	if (opt_port_file != NULL && opt_port_file[0] != '\0')
		write_port_file(opt_port_file, http_port(hs));
	log_info("%s: serving on http://%s:%u, data in %s, bus %s",
	    profile->name, opt_bind, http_port(hs),
	    strcmp(opt_storage_backend, "etcd3") == 0 ? opt_etcd_servers : dir,
	    url[0] ? url : "(off)");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (got_signal == 0)
		sigsuspend(&old);
	log_info("%s: signal %d, stopping", profile->name, (int)got_signal);

	if (!profile->federation)
		aggregator_stop();
	if (srv.rbac != NULL)
		rbac_stop(srv.rbac);
	watchlog_shutdown(srv.wl);
	http_stop(hss);
	http_stop(hs);
	watchlog_free(srv.wl);
	bus_close(bus);
	store_close(store);
	ns_cache_free(srv.nsc);
	kind_count_free(srv.kinds);
	pc_cache_free(srv.pcc);
	rbac_free(srv.rbac);
	authn_shutdown();
	free(tls_cert);
	if (tls_key != NULL)
		explicit_bzero(tls_key, strlen(tls_key));
	free(tls_key);
	free(client_ca);
	log_info("%s: stopped", profile->name);
	return 0;
}
