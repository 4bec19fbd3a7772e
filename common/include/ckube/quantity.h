/*
 * quantity.h: Kubernetes resource quantities ("100m", "64Mi", "1.5", "2e3",
 * "1k", "1Ei"). Values are read exactly and rounded up (away from zero) to
 * the unit asked for: milli-units for cpu, whole units (bytes) for memory.
 * All functions are pure and thread-safe.
 */
#ifndef CKUBE_QUANTITY_H
#define CKUBE_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

/* The suffix family a quantity was written in; canonical output keeps it. */
enum quantity_format {
	QUANTITY_DECIMAL_SI,		/* "", m, k, M, G, T, P, E; n, u */
	QUANTITY_BINARY_SI,		/* Ki, Mi, Gi, Ti, Pi, Ei */
	QUANTITY_DECIMAL_EXPONENT,	/* 2e3, 1E-3 */
};

/* Long enough for any canonical quantity. */
#define QUANTITY_STR_MAX	64

/*
 * Parse s into milli-units (ceil(value * 1000), away from zero for negative
 * values): "100m" -> 100, "1" -> 1000, "1Ki" -> 1024000. Returns 0, or
 * CK_EINVALID for bad syntax or a result outside int64 (e.g. "1Ei" in milli).
 * fmt, if not NULL, receives the suffix family.
 */
int	quantity_parse_milli(const char *s, int64_t *out_milli,
	    enum quantity_format *fmt) CK_MUST_CHECK;

/*
 * Parse s into whole units rounded up: "1Gi" -> 1073741824, "100m" -> 1,
 * "1Ei" -> 1152921504606846976. CK_EINVALID for bad syntax or out of int64.
 */
int	quantity_parse_value(const char *s, int64_t *out,
	    enum quantity_format *fmt) CK_MUST_CHECK;

/* True if s is a well-formed quantity whose milli value fits in int64. */
int	quantity_is_valid(const char *s);

/*
 * Compare two quantities exactly (at milli precision, so "1n" == "1m"):
 * *out_cmp is <0, 0 or >0. Returns 0 or CK_EINVALID if either is malformed.
 * Values too big for int64 milli-units still compare correctly.
 */
int	quantity_compare(const char *a, const char *b, int *out_cmp)
	    CK_MUST_CHECK;

/*
 * Format milli-units in the canonical Kubernetes form of fmt: 1500 m-units
 * DecimalSI -> "1500m", 2000000 -> "2k"; BinarySI 1073741824000 -> "1Gi"
 * (values below 1024 or with a fraction fall back to DecimalSI, as upstream);
 * DecimalExponent 2000000 -> "2e3". Returns 0 or CK_EINVALID if buf is too
 * small.
 */
int	quantity_format_milli(int64_t milli, enum quantity_format fmt,
	    char *buf, size_t len) CK_MUST_CHECK;

/* The same for a whole-unit value (bytes): 1073741824 BinarySI -> "1Gi". */
int	quantity_format_value(int64_t value, enum quantity_format fmt,
	    char *buf, size_t len) CK_MUST_CHECK;

/*
 * Rewrite s in its canonical form ("1024Mi" -> "1Gi", "0.5" -> "500m",
 * "1000m" -> "1", "2e3" -> "2e3"), as the apiserver stores it. Sub-milli
 * precision is rounded up to 1m. Returns 0 or CK_EINVALID (bad s or buf too
 * small).
 */
int	quantity_canonical(const char *s, char *buf, size_t len) CK_MUST_CHECK;

#endif
