/*
 * main.c: ckube-netpol, a command-line tool (not a daemon) over libckube's
 * NetworkPolicy engine: `check`, `matrix` and `explain` on a snapshot of
 * the cluster read through --kubeconfig. Flags use the common flag table
 * (--help, --version, --config, exit 2 on a usage error); the command is
 * the first argument, and -n, -A and -v are kubectl-style short forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/daemon.h"
#include "ckube/flags.h"
#include "ckube/log.h"

#include "netpol_cli.h"

static struct cli_opts o;
static char opt_namespace[] = "--namespace";
static char opt_all[] = "--all-namespaces";
static char opt_verbose[] = "--verbose";

static const struct flag cli_flags[] = {
	{ "kubeconfig", FLAG_STRING, &o.kubeconfig, NULL, "Generic",
	  "path to a kubeconfig file (default: $KUBECONFIG)" },
	{ "master", FLAG_STRING, &o.master, NULL, "Generic",
	  "the apiserver's URL (overrides the kubeconfig's server)" },
	{ "mode", FLAG_STRING, &o.mode, "default", "Policy",
	  "default (a policy isolates the pods it selects; the 1.3 "
	  "DefaultDeny annotation isolates its namespace) or pure-1.3 "
	  "(policies act only in DefaultDeny namespaces; no egress)" },
	{ "from", FLAG_STRING, &o.from, NULL, "Connection",
	  "check: the source, NAMESPACE/POD or an IP address" },
	{ "to", FLAG_STRING, &o.to, NULL, "Connection",
	  "check: the destination, NAMESPACE/POD (or an IP address for "
	  "egress)" },
	{ "port", FLAG_INT, &o.port, "0", "Connection",
	  "the destination port, 1-65535 (check: required; matrix: 80)" },
	{ "protocol", FLAG_STRING, &o.protocol, "TCP", "Connection",
	  "TCP, UDP or SCTP" },
	{ "namespace", FLAG_STRING, &o.namespace, NULL, "Connection",
	  "matrix: the namespace whose pods to show (-n; default: the "
	  "kubeconfig context's)" },
	{ "all-namespaces", FLAG_BOOL, &o.all_namespaces, NULL, "Connection",
	  "matrix: every namespace (-A)" },
	{ "verbose", FLAG_BOOL, &o.verbose, NULL, "Output",
	  "check: show the policies and rules that decided (-v)" },
	{ "v", FLAG_INT, &o.verbosity, "0", "Logging", "log verbosity" },
};

static const struct flags_prog prog = {
	"ckube-netpol",
	"who may reach whom under the cluster's NetworkPolicies "
	"(commands: check, matrix, explain)",
	CKUBE_VERSION,
};

static const char commands_help[] =
	"\nCommands:\n"
	"  check --from NS/POD|IP --to NS/POD --port P [--protocol TCP|UDP|SCTP] [-v]\n"
	"        print allowed or denied (exit 0 either way; 2 on an error)\n"
	"  matrix [-n NS | -A] [--port P] [--protocol ...]\n"
	"        the reachability truth table (rows: sources, columns: "
	"destinations)\n"
	"  explain NS/POD\n"
	"        the policies selecting the pod and what they allow\n";

/* Does flag name (up to '=') take the next argument as its value? */
static bool
takes_value(const char *a)
{
	size_t i, len;

	if (a[0] != '-' || strchr(a, '=') != NULL)
		return false;
	a += a[1] == '-' ? 2 : 1;
	len = strlen(a);
	if (len == 6 && strcmp(a, "config") == 0)
		return true;
	for (i = 0; i < ARRAY_SIZE(cli_flags); i++)
		if (strcmp(cli_flags[i].name, a) == 0)
			return cli_flags[i].type != FLAG_BOOL;
	return false;
}

/*
 * argv without the command and the positional NS/POD, with the short
 * forms spelled out, into nargv (argv[0] first).
 */
static int
split_args(int argc, char *argv[], const char **cmd, char **nargv,
    bool *help)
{
	int i, n = 0;
	bool value = false;

	nargv[n++] = argv[0];
	*cmd = NULL;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (value) {
			nargv[n++] = a;
			value = false;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			*help = true;
		if (strcmp(a, "-n") == 0)
			a = opt_namespace;
		else if (strcmp(a, "-A") == 0)
			a = opt_all;
		else if (strcmp(a, "-v") == 0)
			a = opt_verbose;
		if (a[0] == '-' && a[1] != '\0') {
			value = takes_value(a);
			nargv[n++] = a;
		} else if (*cmd == NULL && i == 1) {
			*cmd = a;
		} else if (o.target == NULL && *cmd != NULL &&
		    strcmp(*cmd, "explain") == 0) {
			o.target = a;
		} else {
			nargv[n++] = a;		/* flags_parse refuses it */
		}
	}
	nargv[n] = NULL;
	return n;
}

int
main(int argc, char *argv[])
{
	const struct flag *tables[] = { cli_flags };
	const size_t counts[] = { ARRAY_SIZE(cli_flags) };
	struct netpol_set *set = NULL;
	const char *cmd;
	char **nargv, *ctx_ns = NULL;
	bool help = false;
	int nargc, rc;

	nargv = ck_calloc((size_t)argc + 1, sizeof(*nargv));
	nargc = split_args(argc, argv, &cmd, nargv, &help);
	rc = flags_parse(&prog, tables, counts, 1, nargc, nargv);
	if (rc == FLAGS_EXIT_OK) {
		if (help)
			fputs(commands_help, stdout);
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		rc = FLAGS_EXIT_USAGE;
		goto out;
	}
	log_init(prog.name, (int)o.verbosity);
	if (cmd == NULL || (strcmp(cmd, "check") != 0 &&
	    strcmp(cmd, "matrix") != 0 && strcmp(cmd, "explain") != 0)) {
		rc = flags_usage_error(&prog, cmd == NULL ? "a command is "
		    "required: check, matrix or explain" : "unknown command "
		    "\"%s\" (check, matrix or explain)", cmd);
		goto out;
	}
	if (o.port < 0 || o.port > 65535) {
		rc = flags_usage_error(&prog, "--port %lld is out of range "
		    "(1-65535)", (long long)o.port);
		goto out;
	}
	if (cli_protocol(o.protocol) == NULL) {
		rc = flags_usage_error(&prog, "--protocol must be TCP, UDP or "
		    "SCTP, not \"%s\"", o.protocol);
		goto out;
	}
	if (strcmp(o.mode, "default") != 0 && strcmp(o.mode, "pure-1.3")) {
		rc = flags_usage_error(&prog, "--mode must be default or "
		    "pure-1.3, not \"%s\"", o.mode);
		goto out;
	}
	if (strcmp(cmd, "explain") == 0 && o.target == NULL) {
		rc = flags_usage_error(&prog, "explain needs a pod: "
		    "explain NAMESPACE/POD");
		goto out;
	}
	rc = cli_load(&o, &set, &ctx_ns);
	if (rc != 0)
		goto out;
	if (strcmp(cmd, "check") == 0)
		rc = cmd_check(&o, set, stdout);
	else if (strcmp(cmd, "matrix") == 0)
		rc = cmd_matrix(&o, set, ctx_ns, stdout);
	else
		rc = cmd_explain(&o, set, stdout);
out:
	fflush(stdout);
	netpol_set_free(set);
	free(ctx_ns);
	free(nargv);
	flags_free_config();
	client_global_cleanup();
	return rc;
}
