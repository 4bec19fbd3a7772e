/*
 * data_lock.c: the --data-dir lock (data_lock.h).
 */
#include "data_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "ckube/clock.h"
#include "ckube/log.h"

#define DATA_LOCK_POLL_MS	50

/* The pid the holder wrote, for the error ("?" if unreadable). */
static void
read_holder(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);
	size_t i;

	if (n <= 0) {
		snprintf(buf, len, "?");
		return;
	}
	buf[n] = '\0';
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] < '0' || buf[i] > '9')
			break;
	buf[i] = '\0';
	if (i == 0)
		snprintf(buf, len, "?");
}

int
data_lock(const char *dir, unsigned wait_ms, char *err, size_t len)
{
	char path[4096], pid[32], holder[32];
	uint64_t deadline = ck_now_ms() + wait_ms;
	bool waited = false;
	int fd, n;

	if (snprintf(path, sizeof(path), "%s/lock", dir) >= (int)sizeof(path)) {
		snprintf(err, len, "%s: path too long", dir);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			snprintf(err, len, "%s: flock: %s", path,
			    strerror(errno));
			goto fail;
		}
		read_holder(fd, holder, sizeof(holder));
		if (ck_now_ms() >= deadline) {
			snprintf(err, len, "%s is in use by another apiserver "
			    "(pid %s); one data dir serves one apiserver", dir,
			    holder);
			goto fail;
		}
		if (!waited)
			log_info("--data-dir %s: held by pid %s; waiting up to "
			    "%u ms", dir, holder, wait_ms);
		waited = true;
		(void)poll(NULL, 0, DATA_LOCK_POLL_MS);
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}
