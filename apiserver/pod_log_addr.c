/*
 * pod_log_addr.c: which kubelet URLs pods/log may fetch. The URL comes from
 * a Node object (the sim.ckube.io/kubelet-url annotation, or InternalIP and
 * the kubelet port), which any client allowed to write nodes controls: it is
 * untrusted input, and fetching it blindly is a server-side request forgery
 * (file:// read local files, http:// reached internal services). Accepted:
 * http or https, a host that is an IP literal inside --kubelet-address-allow
 * (default loopback: the kubelet-sim's own addresses), an optional port, no
 * user, path, query or fragment; at most POD_LOG_URL_MAX printable ASCII
 * characters. Host names are refused: no DNS lookup can move the target.
 */
#include "crud.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ckube/err.h"

#define ALLOW_MAX	16

struct net {
	int	af;		/* AF_INET or AF_INET6 */
	uint8_t	addr[16];
	int	bits;
};

static struct net allow[ALLOW_MAX];
static size_t nallow;

/* "a.b.c.d[/n]" or "x::y[/n]" into n; false if malformed. */
static bool
net_parse(const char *s, size_t len, struct net *n)
{
	char buf[64], *slash, *end;
	long bits;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->af = AF_INET;
		n->bits = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->af = AF_INET6;
		n->bits = 128;
	} else
		return false;
	if (slash == NULL)
		return true;
	bits = strtol(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || bits < 0 || bits > n->bits)
		return false;
	n->bits = (int)bits;
	return true;
}

int
pod_log_config(const char *list)
{
	const char *p = list, *e;
	size_t len;

	nallow = 0;
	while (p != NULL && *p != '\0') {
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len > 0) {
			if (nallow == ALLOW_MAX ||
			    !net_parse(p, len, &allow[nallow]))
				return CK_EINVALID;
			nallow++;
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return 0;
}

static bool
net_match(const struct net *n, int af, const uint8_t *addr)
{
	int full = n->bits / 8, rest = n->bits % 8;
	uint8_t mask;

	if (n->af != af || memcmp(n->addr, addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (addr[full] & mask);
}

/* True if the IP literal host (IPv6 in brackets) is in the allow-list. */
static bool
host_allowed(const char *host)
{
	char buf[64];
	uint8_t addr[16];
	size_t len = strlen(host), i;
	int af = AF_INET;

	if (len >= sizeof(buf))
		return false;
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return false;
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		af = AF_INET6;
	} else
		memcpy(buf, host, len + 1);
	if (inet_pton(af, buf, addr) != 1)
		return false;
	for (i = 0; i < nallow; i++)
		if (net_match(&allow[i], af, addr))
			return true;
	return false;
}

static bool
part_empty(CURLU *u, CURLUPart what)
{
	char *v = NULL;
	bool empty;

	if (curl_url_get(u, what, &v, 0) != CURLUE_OK)
		return true;
	empty = v == NULL || v[0] == '\0' || strcmp(v, "/") == 0;
	curl_free(v);
	return empty;
}

int
pod_log_check_url(const char *url, char *out, size_t len)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL;
	size_t i, n = strlen(url);
	int rc = CK_EPERM;

	if (n == 0 || n > POD_LOG_URL_MAX)
		return CK_EPERM;
	for (i = 0; i < n; i++)
		if (url[i] <= ' ' || url[i] > '~')
			return CK_EPERM;
	u = curl_url();
	if (u == NULL)
		return CK_EIO;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		goto out;
	if (!part_empty(u, CURLUPART_USER) ||
	    !part_empty(u, CURLUPART_PASSWORD) ||
	    !part_empty(u, CURLUPART_OPTIONS) ||
	    !part_empty(u, CURLUPART_PATH) ||
	    !part_empty(u, CURLUPART_QUERY) ||
	    !part_empty(u, CURLUPART_FRAGMENT) ||
	    !part_empty(u, CURLUPART_ZONEID))
		goto out;
	if (!host_allowed(host))
		goto out;
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	n = (size_t)snprintf(out, len, "%s://%s%s%s", scheme, host,
	    port != NULL ? ":" : "", port != NULL ? port : "");
	rc = n < len ? 0 : CK_EPERM;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}
