/*
 * netpol_addr.c: the address side of the NetworkPolicy engine (netpol.h):
 * CIDR and IP parsing for ipBlock peers and pod IPs, and the 1.3 namespace
 * annotation. The decision procedure is in netpol.c.
 */
#include "ckube/netpol.h"

#include <arpa/inet.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"

static int
parse_addr(const char *s, size_t len, struct netpol_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return CK_EINVALID;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		out->bits = 32;
		return 0;
	}
	if (strchr(buf, ':') != NULL && inet_pton(AF_INET6, buf,
	    out->addr) == 1) {
		out->family = 6;
		out->bits = 128;
		return 0;
	}
	return CK_EINVALID;
}

static void
clear_host_bits(struct netpol_cidr *c)
{
	int nbytes = c->family == 4 ? 4 : 16, i;

	for (i = 0; i < nbytes; i++) {
		int keep = c->bits - 8 * i;

		if (keep >= 8)
			continue;
		c->addr[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

int
netpol_ip_parse(const char *s, struct netpol_cidr *out)
{
	if (s == NULL)
		return CK_EINVALID;
	return parse_addr(s, strlen(s), out);
}

int
netpol_cidr_parse(const char *s, struct netpol_cidr *out)
{
	const char *slash;
	int64_t bits;

	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return CK_EINVALID;
	if (parse_addr(s, (size_t)(slash - s), out) < 0)
		return CK_EINVALID;
	/* digits only: no sign, no spaces, no leading "+" strtoll accepts */
	if (slash[1] < '0' || slash[1] > '9' ||
	    ck_parse_int64(slash + 1, &bits) < 0 || bits < 0 ||
	    bits > out->bits)
		return CK_EINVALID;
	out->bits = (int)bits;
	clear_host_bits(out);
	return 0;
}

bool
netpol_cidr_contains(const struct netpol_cidr *outer,
    const struct netpol_cidr *inner)
{
	struct netpol_cidr in;

	if (outer->family != inner->family || inner->bits < outer->bits)
		return false;
	in = *inner;
	in.bits = outer->bits;
	clear_host_bits(&in);
	return memcmp(in.addr, outer->addr, sizeof(in.addr)) == 0;
}

int
netpol_isolation_parse(const char *value, bool *default_deny,
    struct ck_status *st)
{
	const cJSON *ing, *iso;
	cJSON *doc;
	int rc = 0;

	*default_deny = false;
	doc = value != NULL ? cJSON_Parse(value) : NULL;
	if (!cJSON_IsObject(doc)) {
		rc = ck_status_set(st, CK_EINVALID, "must be a JSON object, "
		    "e.g. {\"ingress\": {\"isolation\": \"DefaultDeny\"}}");
		goto out;
	}
	ing = cJSON_GetObjectItemCaseSensitive(doc, "ingress");
	if (ing == NULL || cJSON_IsNull(ing))
		goto out;
	if (!cJSON_IsObject(ing)) {
		rc = ck_status_set(st, CK_EINVALID, "ingress must be an "
		    "object");
		goto out;
	}
	iso = cJSON_GetObjectItemCaseSensitive(ing, "isolation");
	if (iso == NULL || cJSON_IsNull(iso))
		goto out;
	if (!cJSON_IsString(iso) || strcmp(iso->valuestring,
	    "DefaultDeny") != 0) {
		rc = ck_status_set(st, CK_EINVALID, "ingress.isolation: "
		    "Unsupported value: supported values: \"DefaultDeny\"");
		goto out;
	}
	*default_deny = true;
out:
	cJSON_Delete(doc);
	return rc;
}
