/*
 * exec_sim.h: what `kubectl exec POD -- CMD` runs in a simulated container.
 * A small command interpreter over an I/O interface (the WebSocket session
 * in exec.c, or a test): echo, env/printenv, hostname, cat (stdin and the
 * files the kubelet writes: /etc/hostname, /etc/hosts, /etc/resolv.conf),
 * ls, pwd, sleep, true, false, exit, and sh -c with ;, && and ||, quoting
 * and $VAR. Anything else is "not found" with 127, as a shell says it.
 */
#ifndef KUBELET_SIM_EXEC_SIM_H
#define KUBELET_SIM_EXEC_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXEC_GONE		(-1)	/* the client went away */
/* tar (kubectl cp): not simulated; EXEC_CP_MSG says so in the Status too */
#define EXEC_NOT_SIMULATED	(-2)
#define EXEC_CP_MSG		"ckube does not simulate kubectl cp: " \
	"simulated containers have no file system to copy (tar)"

#define EXEC_SLEEP_MAX_MS	(3600LL * 1000)	/* a longer sleep is cut */
#define EXEC_SCRIPT_MAX		65536	/* sh reading its script from stdin */

struct exec_io {
	void	*arg;
	/* stream 1 (stdout) or 2 (stderr); < 0 when the client is gone */
	int	(*write)(void *arg, int stream, const char *p, size_t n);
	/* stdin: > 0 bytes, 0 at its end, < 0 when the client is gone */
	long	(*read)(void *arg, char *buf, size_t max);
	/* wait ms; < 0 when the client went away meanwhile */
	int	(*sleep)(void *arg, int64_t ms);
};

struct exec_env {
	const char	*hostname;
	const char	*resolv;	/* /etc/resolv.conf text, or NULL */
	const char	*hosts;		/* /etc/hosts text, or NULL */
	const char *const *vars;	/* "NAME=value", the container's env */
	size_t		 nvars;
};

/*
 * Run argv (n words) in env over io. Returns the exit status (0..255),
 * EXEC_GONE once the client is gone, or EXEC_NOT_SIMULATED (tar).
 */
int	exec_sim_run(const struct exec_env *env, const char *const *argv,
	    size_t n, const struct exec_io *io);

#endif
