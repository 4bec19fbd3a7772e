/*
 * testapi.c: start and stop a real ckube-apiserver for C tests (testapi.h).
 * Readiness is its port file, polled with a deadline.
 */
#include "testapi.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckube/client.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static int
read_port(const char *path)
{
	char buf[16] = "";
	int64_t port;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (ck_parse_int64(buf, &port) < 0 || port <= 0)
		return -1;
	return (int)port;
}

static void
show_log(const struct testapi *t)
{
	char path[300], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/log", t->dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	if (lseek(fd, -(off_t)sizeof(buf), SEEK_END) < 0)
		(void)lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		(void)!write(2, buf, (size_t)n);
	close(fd);
}

int
testapi_start(struct testapi *t, const char *const *extra)
{
	const char *bin = getenv("BIN");
	char exe[512], portf[300], data[300], logf[300];
	const char *argv[32];
	size_t argc = 0;
	long deadline;
	int port, fd;

	memset(t, 0, sizeof(*t));
	t->pid = -1;
	snprintf(exe, sizeof(exe), "%s/ckube-apiserver",
	    bin != NULL && bin[0] != '\0' ? bin : "bin");
	if (access(exe, X_OK) != 0) {
		fprintf(stderr, "testapi: no %s; skipped\n", exe);
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "%s/ckube-testapi.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(portf, sizeof(portf), "%s/port", t->dir);
	snprintf(data, sizeof(data), "%s/data", t->dir);
	snprintf(logf, sizeof(logf), "%s/log", t->dir);
	snprintf(t->bus, sizeof(t->bus), "ipc://%s/bus", t->dir);
	argv[argc++] = exe;
	argv[argc++] = "--port=0";
	argv[argc++] = "--bind-address=127.0.0.1";
	argv[argc++] = "--port-file";
	argv[argc++] = portf;
	argv[argc++] = "--data-dir";
	argv[argc++] = data;
	argv[argc++] = "--watch-bus";
	argv[argc++] = t->bus;
	while (extra != NULL && *extra != NULL && argc < 30)
		argv[argc++] = *extra++;
	argv[argc] = NULL;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setpgid(0, 0);
		execv(exe, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	deadline = now_ms() + 20000;
	while ((port = read_port(portf)) < 0) {
		if (now_ms() > deadline || waitpid(t->pid, NULL, WNOHANG) != 0) {
			fprintf(stderr, "testapi: the apiserver did not start\n");
			show_log(t);
			return -1;
		}
		pause_ms(10);
	}
	snprintf(t->url, sizeof(t->url), "http://127.0.0.1:%d", port);
	return 0;
}

struct client *
testapi_client(const struct testapi *t)
{
	struct client *cl = NULL;
	struct ck_status st;

	if (client_new_from_flags(NULL, t->url, NULL, &cl, &st) < 0) {
		fprintf(stderr, "testapi: client: %s\n", st.message);
		abort();
	}
	return cl;
}

void
testapi_stop(struct testapi *t)
{
	char cmd[400];
	long deadline;

	if (t->pid > 0) {
		kill(t->pid, SIGTERM);
		deadline = now_ms() + 5000;
		while (waitpid(t->pid, NULL, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(t->pid, SIGKILL);
				waitpid(t->pid, NULL, 0);
				break;
			}
			pause_ms(10);
		}
		t->pid = -1;
	}
	if (t->dir[0] != '\0' && getenv("CKUBE_TEST_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "testapi: could not remove %s\n", t->dir);
	}
	t->dir[0] = '\0';
}
