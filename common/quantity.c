/*
 * quantity.c: Kubernetes resource quantities (apimachinery resource.Quantity).
 * A string is read exactly into an unsigned 128-bit count of milli-units
 * (rounded up), which holds every value Kubernetes allows ("1Ei" included);
 * the int64 results are range-checked from there.
 */
#include "ckube/quantity.h"

#include <stdbool.h>
#include <string.h>

#include "ckube/err.h"

typedef unsigned __int128 u128;

struct qval {
	bool			neg;
	u128			milli;	/* magnitude, rounded up */
	enum quantity_format	fmt;
};

/* Past this a value is no quantity; it keeps the arithmetic in range. */
#define QMAX_MILLI	((u128)1 << 120)
/*
 * Significant digits read exactly: 10^38 still fits a u128 and 10^37 is
 * past QMAX_MILLI, so a value with digits beyond these is either out of
 * range or fractional in milli-units (where they only round up).
 */
#define QMAX_DIGITS	38

static bool
mul_ok(u128 *v, u128 m)
{
	u128 r;

	if (__builtin_mul_overflow(*v, m, &r) || r > QMAX_MILLI)
		return false;
	*v = r;
	return true;
}

static int
parse_suffix(const char *p, int *dexp, int *bexp, enum quantity_format *fmt)
{
	static const struct { const char *s; int dexp, bexp; } dec[] = {
		{ "n", -9, 0 }, { "u", -6, 0 }, { "m", -3, 0 }, { "", 0, 0 },
		{ "k", 3, 0 }, { "M", 6, 0 }, { "G", 9, 0 }, { "T", 12, 0 },
		{ "P", 15, 0 }, { "E", 18, 0 },
	}, bin[] = {
		{ "Ki", 0, 10 }, { "Mi", 0, 20 }, { "Gi", 0, 30 },
		{ "Ti", 0, 40 }, { "Pi", 0, 50 }, { "Ei", 0, 60 },
	};
	size_t i;

	*dexp = *bexp = 0;
	for (i = 0; i < ARRAY_SIZE(dec); i++) {
		if (strcmp(p, dec[i].s) == 0) {
			*dexp = dec[i].dexp;
			*fmt = QUANTITY_DECIMAL_SI;
			return 0;
		}
	}
	for (i = 0; i < ARRAY_SIZE(bin); i++) {
		if (strcmp(p, bin[i].s) == 0) {
			*bexp = bin[i].bexp;
			*fmt = QUANTITY_BINARY_SI;
			return 0;
		}
	}
	if (*p == 'e' || *p == 'E') {
		int sign = 1, e = 0;

		p++;
		if (*p == '+' || *p == '-')
			sign = *p++ == '-' ? -1 : 1;
		if (*p == '\0')
			return CK_EINVALID;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return CK_EINVALID;
			e = e * 10 + (*p - '0');
			if (e > 1000)
				return CK_EINVALID;
		}
		*dexp = sign * e;
		*fmt = QUANTITY_DECIMAL_EXPONENT;
		return 0;
	}
	return CK_EINVALID;
}

/*
 * <sign>?<digits>(.<digits>)?<suffix>; at least one digit. The significant
 * digits go into mant (at most QMAX_DIGITS of them; a nonzero remainder
 * past that only rounds up), the rest is exponents: value = mant * 10^dexp * 2^bexp.
 */
static int
qval_parse(const char *s, struct qval *q)
{
	const char *p = s;
	u128 mant = 0, pow;
	int ndig = 0, dexp = 0, bexp = 0, sdexp, i;
	bool sticky = false, any = false, dot = false;

	if (s == NULL)
		return CK_EINVALID;
	memset(q, 0, sizeof(*q));
	if (*p == '+' || *p == '-')
		q->neg = *p++ == '-';
	for (;; p++) {
		if (*p == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			break;
		any = true;
		if (mant == 0 && *p == '0') {
			if (dot)
				dexp--;
			continue;
		}
		if (ndig < QMAX_DIGITS) {
			mant = mant * 10 + (u128)(*p - '0');
			ndig++;
			if (dot)
				dexp--;
		} else {
			if (*p != '0')
				sticky = true;
			if (!dot)
				dexp++;
		}
	}
	if (!any)
		return CK_EINVALID;
	if (parse_suffix(p, &sdexp, &bexp, &q->fmt) < 0)
		return CK_EINVALID;
	dexp += sdexp + 3;		/* in milli-units */
	if (mant == 0) {
		q->neg = false;
		return 0;
	}
	for (i = 0; i < bexp; i++)
		if (!mul_ok(&mant, 2))
			return CK_EINVALID;
	if (dexp >= 0) {
		if (mant > QMAX_MILLI)
			return CK_EINVALID;
		for (i = 0; i < dexp; i++)
			if (!mul_ok(&mant, 10))
				return CK_EINVALID;
		q->milli = mant + (sticky ? 1 : 0);
		return 0;
	}
	/* Divide by 10^-dexp, rounding up. */
	if (-dexp > QMAX_DIGITS) {
		q->milli = 1;
		return 0;
	}
	pow = 1;
	for (i = 0; i < -dexp; i++)
		pow *= 10;
	q->milli = mant / pow + ((mant % pow != 0 || sticky) ? 1 : 0);
	/* many digits with a small suffix ("2...0n") can still be too big */
	return q->milli > QMAX_MILLI ? CK_EINVALID : 0;
}

static int
to_int64(const struct qval *q, u128 div, int64_t *out)
{
	u128 m = q->milli / div + (q->milli % div != 0);

	if (m > (u128)INT64_MAX)
		return CK_EINVALID;
	*out = q->neg ? -(int64_t)m : (int64_t)m;
	return 0;
}

int
quantity_parse_milli(const char *s, int64_t *out_milli,
    enum quantity_format *fmt)
{
	struct qval q;
	int rc;

	if ((rc = qval_parse(s, &q)) < 0 ||
	    (rc = to_int64(&q, 1, out_milli)) < 0)
		return rc;
	if (fmt != NULL)
		*fmt = q.fmt;
	return 0;
}

int
quantity_parse_value(const char *s, int64_t *out, enum quantity_format *fmt)
{
	struct qval q;
	int rc;

	if ((rc = qval_parse(s, &q)) < 0 || (rc = to_int64(&q, 1000, out)) < 0)
		return rc;
	if (fmt != NULL)
		*fmt = q.fmt;
	return 0;
}

int
quantity_is_valid(const char *s)
{
	int64_t v;

	return quantity_parse_milli(s, &v, NULL) == 0;
}

int
quantity_compare(const char *a, const char *b, int *out_cmp)
{
	struct qval qa, qb;

	if (qval_parse(a, &qa) < 0 || qval_parse(b, &qb) < 0)
		return CK_EINVALID;
	if (qa.neg != qb.neg)
		*out_cmp = qa.neg ? -1 : 1;
	else if (qa.milli == qb.milli)
		*out_cmp = 0;
	else
		*out_cmp = ((qa.milli < qb.milli) != qa.neg) ? -1 : 1;
	return 0;
}

/* Append the decimal digits of v to buf at *pos. */
static int
put_u128(char *buf, size_t len, size_t *pos, u128 v)
{
	char tmp[48];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	if (*pos + n >= len)
		return CK_EINVALID;
	while (n > 0)
		buf[(*pos)++] = tmp[--n];
	buf[*pos] = '\0';
	return 0;
}

static int
put_str(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n >= len)
		return CK_EINVALID;
	memcpy(buf + *pos, s, n + 1);
	*pos += n;
	return 0;
}

static int
qval_format_raw(const struct qval *q, char *buf, size_t len)
{
	static const char *const bsuf[] = {
		"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
	};
	static const char *const dsuf[] = {
		"m", "", "k", "M", "G", "T", "P", "E",
	};
	enum quantity_format fmt = q->fmt;
	size_t pos = 0;
	u128 m = q->milli;
	int k, rc;

	if (len == 0)
		return CK_EINVALID;
	buf[0] = '\0';
	if (m == 0)
		return put_str(buf, len, &pos, "0");
	if (q->neg && (rc = put_str(buf, len, &pos, "-")) < 0)
		return rc;
	/* As upstream: small or fractional binary values print as decimal. */
	if (fmt == QUANTITY_BINARY_SI && (m < 1024 * 1000 || m % 1000 != 0))
		fmt = QUANTITY_DECIMAL_SI;
	if (fmt == QUANTITY_BINARY_SI) {
		m /= 1000;
		for (k = 0; k < 6 && m % 1024 == 0; k++)
			m /= 1024;
		if ((rc = put_u128(buf, len, &pos, m)) < 0)
			return rc;
		return put_str(buf, len, &pos, bsuf[k]);
	}
	/* mantissa * 10^(3k - 3), the largest k keeping the mantissa whole */
	for (k = 0; k < 7 && m % 1000 == 0; k++)
		m /= 1000;
	if ((rc = put_u128(buf, len, &pos, m)) < 0)
		return rc;
	if (fmt == QUANTITY_DECIMAL_SI)
		return put_str(buf, len, &pos, dsuf[k]);
	if (k == 1)
		return 0;
	if ((rc = put_str(buf, len, &pos, "e")) < 0)
		return rc;
	if (k == 0)
		return put_str(buf, len, &pos, "-3");
	return put_u128(buf, len, &pos, (u128)(3 * (k - 1)));
}

/* Never leaves a truncated number behind in buf. */
static int
qval_format(const struct qval *q, char *buf, size_t len)
{
	int rc = qval_format_raw(q, buf, len);

	if (rc < 0 && len > 0)
		buf[0] = '\0';
	return rc;
}

static u128
magnitude(int64_t v)
{
	return v < 0 ? (u128)(-(v + 1)) + 1 : (u128)v;
}

int
quantity_format_milli(int64_t milli, enum quantity_format fmt, char *buf,
    size_t len)
{
	struct qval q = { milli < 0, magnitude(milli), fmt };

	return qval_format(&q, buf, len);
}

int
quantity_format_value(int64_t value, enum quantity_format fmt, char *buf,
    size_t len)
{
	struct qval q = { value < 0, magnitude(value) * 1000, fmt };

	return qval_format(&q, buf, len);
}

int
quantity_canonical(const char *s, char *buf, size_t len)
{
	struct qval q;
	int rc;

	if ((rc = qval_parse(s, &q)) < 0)
		return rc;
	return qval_format(&q, buf, len);
}
