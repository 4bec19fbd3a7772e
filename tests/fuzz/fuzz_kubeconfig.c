/*
 * fuzz_kubeconfig.c: kubeconfig files from untrusted input, loaded through
 * kubeconfig_load() from a temporary folder that also holds a token file
 * and a CA file the seeds name by relative path. Byte 0 odd: a --master
 * URL overrides the server.
 */
#include <unistd.h>

#include "ckube/err.h"
#include "ckube/kubeconfig.h"
#include "fuzz_util.h"

/* in memory when it can: /tmp on disk made this target 5 times slower */
static char fuzz_dir[] = "/dev/shm/ckube-fuzz-kubeconfig-XXXXXX";
static char fuzz_path[sizeof(fuzz_dir) + 16];

static void
fuzz_put(const char *name, const void *buf, size_t len)
{
	char path[sizeof(fuzz_path)];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		FUZZ_FAIL("%s: cannot write", path);
	if (len > 0 && fwrite(buf, len, 1, fp) != 1)
		FUZZ_FAIL("%s: short write", path);
	fclose(fp);
}

static void
fuzz_cleanup(void)
{
	static const char *const names[] = { "config", "token", "ca.crt" };
	char path[sizeof(fuzz_path)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, names[i]);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kubeconfig *kc = NULL;
	struct ck_status st;

	if (fuzz_path[0] == '\0') {
		if (mkdtemp(fuzz_dir) == NULL) {
			snprintf(fuzz_dir, sizeof(fuzz_dir), "%s",
			    "/tmp/ckube-fuzz-kubeconfig-XXXXXX");
			if (mkdtemp(fuzz_dir) == NULL)
				FUZZ_FAIL("mkdtemp failed");
		}
		fuzz_put("token", "abc123\n", 7);
		fuzz_put("ca.crt", "-----BEGIN CERTIFICATE-----\n", 28);
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/config", fuzz_dir);
		atexit(fuzz_cleanup);
	}
	if (size < 1)
		return 0;
	fuzz_put("config", data + 1, size - 1);
	if (kubeconfig_load(fuzz_path, data[0] & 1 ? "https://127.0.0.1:1" :
	    NULL, &kc, &st) == 0 && kc->server == NULL)
		FUZZ_FAIL("loaded without a server");
	kubeconfig_free(kc);
	return 0;
}
