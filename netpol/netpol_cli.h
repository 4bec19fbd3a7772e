/*
 * netpol_cli.h: the map header of ckube-netpol (a CLI, not a daemon): the
 * cluster snapshot it loads (load.c), its commands (cmd.c) and the prose
 * it explains policies with (describe.c). The decisions themselves are
 * libckube's NetworkPolicy engine (common/netpol.c).
 */
#ifndef CKUBE_NETPOL_CLI_H
#define CKUBE_NETPOL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ckube/netpol.h"
#include "ckube/strbuf.h"

struct client;
struct kobj;

/* The values of the command-line flags. */
struct cli_opts {
	const char	*kubeconfig, *master;
	const char	*from, *to;	/* check */
	const char	*target;	/* explain: "NS/POD" (positional) */
	int64_t		 port;		/* 0: not given */
	const char	*protocol;
	const char	*namespace;	/* matrix -n; NULL: the context's */
	int		 all_namespaces;
	int		 verbose;
	const char	*mode;		/* "default" | "pure-1.3" */
	int64_t		 verbosity;	/* --v */
};

/* The exit status of an error (bad flag, missing pod, unreachable API). */
#define CLI_EXIT_ERROR	2

/*
 * Every namespace, pod and NetworkPolicy of the cluster into a new set
 * (*out, netpol_set_free it); *ctx_ns gets the kubeconfig context's
 * namespace (free() it). Returns 0, or CLI_EXIT_ERROR after printing why
 * to stderr. Policies or annotations the engine refuses are warned about
 * and left out.
 */
int	cli_load(const struct cli_opts *o, struct netpol_set **out,
	    char **ctx_ns);

/* The commands: 0 (allowed or denied alike) or CLI_EXIT_ERROR. */
int	cmd_check(const struct cli_opts *o, const struct netpol_set *set,
	    FILE *out);
int	cmd_matrix(const struct cli_opts *o, const struct netpol_set *set,
	    const char *ctx_ns, FILE *out);
int	cmd_explain(const struct cli_opts *o, const struct netpol_set *set,
	    FILE *out);

/* "TCP"/"UDP"/"SCTP" (case-insensitive) into its canonical name, or NULL. */
const char *cli_protocol(const char *s);

/*
 * Prose for the rule-th ingress (egress false) or egress rule of policy:
 * "from pods role=frontend in myns; on ports 6379/TCP".
 */
void	describe_rule(struct strbuf *sb, const struct kobj *policy,
	    bool egress, int rule);
/* True when spec.policyTypes of policy holds type ("Ingress", "Egress"). */
bool	describe_has_type(const struct kobj *policy, const char *type);
/* The whole policy, one rule a line, each line prefixed by indent. */
void	describe_policy(struct strbuf *sb, const struct kobj *policy,
	    const char *indent);

#endif
