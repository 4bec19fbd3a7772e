/*
 * resolv.c: a pod's resolver settings as the kubelet computes them
 * (pkg/kubelet/network/dns/dns.go GetPodDNS): the policy picks the base
 * (cluster DNS or the host's resolv.conf), dnsConfig is appended with
 * duplicates omitted and options merged by name, then the limits cut.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/ck.h"
#include "ckube/strbuf.h"
#include "resolv.h"

static void
add_ns(struct resolv *r, const char *ip, int port)
{
	int i;

	for (i = 0; i < r->nns; i++)
		if (strcmp(r->ns[i], ip) == 0 && r->port[i] == port)
			return;
	if (r->nns >= (int)ARRAY_SIZE(r->ns))
		return;
	ck_strlcpy(r->ns[r->nns], ip, sizeof(r->ns[0]));
	r->port[r->nns++] = port;
}

static void
add_search(struct resolv *r, const char *s)
{
	int i;

	for (i = 0; i < r->nsearch; i++)
		if (strcmp(r->search[i], s) == 0)
			return;
	if (r->nsearch >= (int)ARRAY_SIZE(r->search) ||
	    strlen(s) >= sizeof(r->search[0]) || s[0] == '\0')
		return;
	ck_strlcpy(r->search[r->nsearch++], s, sizeof(r->search[0]));
}

/* An option "name[:value]" replaces the one of the same name. */
static void
add_opt(struct resolv *r, const char *o)
{
	size_t n = strcspn(o, ":");
	int i;

	for (i = 0; i < r->nopt; i++)
		if (strncmp(r->opt[i], o, n) == 0 &&
		    (r->opt[i][n] == '\0' || r->opt[i][n] == ':')) {
			ck_strlcpy(r->opt[i], o, sizeof(r->opt[0]));
			return;
		}
	if (r->nopt >= RESOLV_MAX_OPTS || strlen(o) >= sizeof(r->opt[0]))
		return;
	ck_strlcpy(r->opt[r->nopt++], o, sizeof(r->opt[0]));
}

static bool
is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/* One --cluster-dns entry: IP, IP:PORT, [IP6]:PORT or a bare IPv6. */
static bool
parse_server(const char *s, size_t n, struct resolv *r, char *err,
    size_t len)
{
	char buf[80], *ip = buf, *port_s = NULL, *end, *p;
	long port = 53;

	if (n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '[') {
		ip = buf + 1;
		if ((p = strchr(ip, ']')) == NULL || p[1] != ':')
			goto bad;
		*p = '\0';
		port_s = p + 2;
	} else if ((p = strchr(buf, ':')) != NULL && strchr(p + 1, ':') ==
	    NULL) {
		*p = '\0';
		port_s = p + 1;
	}
	if (port_s != NULL) {
		port = strtol(port_s, &end, 10);
		if (port_s[0] == '\0' || *end != '\0' || port < 1 ||
		    port > 65535)
			goto bad;
	}
	if (strlen(ip) >= sizeof(r->ns[0]) || !is_ip(ip))
		goto bad;
	add_ns(r, ip, (int)port);
	return true;
bad:
	snprintf(err, len, "invalid --cluster-dns entry \"%.*s\": want "
	    "IP or IP:PORT", (int)(n > 64 ? 64 : n), s);
	return false;
}

bool
resolv_parse_cluster_dns(const char *s, struct resolv *r, char *err,
    size_t len)
{
	size_t n;

	memset(r, 0, sizeof(*r));
	while (s != NULL && *s != '\0') {
		n = strcspn(s, ",");
		if (n > 0 && !parse_server(s, n, r, err, len))
			return false;
		s += n;
		if (*s == ',')
			s++;
	}
	return true;
}

void
resolv_parse_conf(const char *text, struct resolv *r)
{
	char line[1024], *w, *save;
	size_t n;

	memset(r, 0, sizeof(*r));
	while (text != NULL && *text != '\0') {
		n = strcspn(text, "\n");
		if (n < sizeof(line)) {
			memcpy(line, text, n);
			line[n] = '\0';
			line[strcspn(line, "#;")] = '\0';
			w = strtok_r(line, " \t\r", &save);
			if (w != NULL && strcmp(w, "nameserver") == 0) {
				w = strtok_r(NULL, " \t\r", &save);
				if (w != NULL && is_ip(w))
					add_ns(r, w, 53);
			} else if (w != NULL && (strcmp(w, "search") == 0 ||
			    strcmp(w, "domain") == 0)) {
				/* The last search/domain line wins. */
				r->nsearch = 0;
				while ((w = strtok_r(NULL, " \t\r", &save)))
					add_search(r, w);
			} else if (w != NULL && strcmp(w, "options") == 0) {
				while ((w = strtok_r(NULL, " \t\r", &save)))
					add_opt(r, w);
			}
		}
		text += n;
		if (*text == '\n')
			text++;
	}
}

static void
copy_host(const struct resolv_cfg *cfg, struct resolv *out, bool ns,
    bool search)
{
	int i;

	for (i = 0; ns && i < cfg->host.nns; i++)
		add_ns(out, cfg->host.ns[i], cfg->host.port[i]);
	for (i = 0; search && i < cfg->host.nsearch; i++)
		add_search(out, cfg->host.search[i]);
	for (i = 0; ns && i < cfg->host.nopt; i++)
		add_opt(out, cfg->host.opt[i]);
}

/* The cluster base: cluster nameservers, the namespace's search path. */
static void
cluster_first(const struct resolv_cfg *cfg, const char *ns,
    struct resolv *out)
{
	char s[600];
	int i;

	for (i = 0; i < cfg->cluster.nns; i++)
		add_ns(out, cfg->cluster.ns[i], cfg->cluster.port[i]);
	snprintf(s, sizeof(s), "%s.svc.%s", ns, cfg->domain);
	add_search(out, s);
	snprintf(s, sizeof(s), "svc.%s", cfg->domain);
	add_search(out, s);
	add_search(out, cfg->domain);
	copy_host(cfg, out, false, true);
	add_opt(out, "ndots:5");
}

/* The kubelet's limits: 3 nameservers, 32 searches within 2048 chars. */
static void
apply_limits(struct resolv *r)
{
	size_t chars = 0;
	int i;

	if (r->nns > RESOLV_MAX_NS)
		r->nns = RESOLV_MAX_NS;
	if (r->nsearch > RESOLV_MAX_SEARCH)
		r->nsearch = RESOLV_MAX_SEARCH;
	for (i = 0; i < r->nsearch; i++) {
		chars += strlen(r->search[i]) + (i > 0);
		if (chars > RESOLV_MAX_SEARCH_CHARS) {
			r->nsearch = i;
			break;
		}
	}
}

void
resolv_for_pod(const struct resolv_cfg *cfg, const cJSON *spec,
    const char *ns, struct resolv *out)
{
	const cJSON *dc, *it, *v;
	const char *policy, *name;
	char o[64];
	bool hostnet;

	memset(out, 0, sizeof(*out));
	policy = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec,
	    "dnsPolicy"));
	if (policy == NULL)
		policy = "ClusterFirst";
	hostnet = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec,
	    "hostNetwork"));
	if (strcmp(policy, "None") == 0)
		;	/* dnsConfig alone */
	else if (strcmp(policy, "Default") == 0 ||
	    (strcmp(policy, "ClusterFirst") == 0 && hostnet) ||
	    cfg->cluster.nns == 0)
		/* Without --cluster-dns ClusterFirst falls back to Default. */
		copy_host(cfg, out, true, true);
	else
		cluster_first(cfg, ns, out);
	dc = cJSON_GetObjectItemCaseSensitive(spec, "dnsConfig");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(dc,
	    "nameservers"))
		if (cJSON_IsString(it) && is_ip(it->valuestring))
			add_ns(out, it->valuestring, 53);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(dc,
	    "searches"))
		if (cJSON_IsString(it))
			add_search(out, it->valuestring);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(dc,
	    "options")) {
		name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it,
		    "name"));
		v = cJSON_GetObjectItemCaseSensitive(it, "value");
		if (name == NULL || name[0] == '\0')
			continue;
		if (cJSON_IsString(v))
			snprintf(o, sizeof(o), "%s:%s", name, v->valuestring);
		else
			snprintf(o, sizeof(o), "%s", name);
		add_opt(out, o);
	}
	apply_limits(out);
}

void
resolv_format(const struct resolv *r, struct strbuf *out)
{
	int i;

	for (i = 0; i < r->nns; i++) {
		strbuf_addf(out, "nameserver %s\n", r->ns[i]);
		if (r->port[i] != 53)
			strbuf_addf(out, "# nameserver %s port %d\n", r->ns[i],
			    r->port[i]);
	}
	if (r->nsearch > 0) {
		strbuf_adds(out, "search");
		for (i = 0; i < r->nsearch; i++)
			strbuf_addf(out, " %s", r->search[i]);
		strbuf_adds(out, "\n");
	}
	if (r->nopt > 0) {
		strbuf_adds(out, "options");
		for (i = 0; i < r->nopt; i++)
			strbuf_addf(out, " %s", r->opt[i]);
		strbuf_adds(out, "\n");
	}
}

char *
resolv_pod_text(const struct resolv_cfg *cfg, const cJSON *spec,
    const char *ns)
{
	struct strbuf sb;
	struct resolv r;

	resolv_for_pod(cfg, spec, ns, &r);
	strbuf_init(&sb);
	resolv_format(&r, &sb);
	return strbuf_detach(&sb, NULL);
}
