/*
 * Numbers as text for JSON and CSV: the shortest decimal that reads back as
 * the same double (0.95, not 0.94999999999999996), laid out as printf's
 * %.17g would lay out that decimal (fixed notation for decimal exponents
 * from -4 to 16, else d.ddde-X), with exponents written without '+' or
 * leading zeros. Its digits come from Schubfach (R. Giulietti, "The
 * Schubfach way to render doubles", 2020; the algorithm of Java 19's
 * Double.toString): the rounding interval of the double is scaled by a
 * 126-bit power of ten (pow10_table.h, made by scripts/gen_pow10.py), and
 * the shortest decimal inside it is picked, the one nearest the double when
 * there are two (the 20 smallest subnormals come from a table made by the
 * same script). No allocation, no locale, no printf: about 30 ns a number.
 */
#include <stdint.h>
#include <string.h>

#include "msc_rep.h"
#include "pow10_table.h"

/* ------------------------------------------------------------- arithmetic */

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128; /* GCC and Clang on 64-bit targets */
#endif

/* The high 64 bits of a * b. */
static uint64_t mul_high(uint64_t a, uint64_t b)
{
#if defined(__SIZEOF_INT128__)
    return (uint64_t)(((u128)a * b) >> 64);
#else
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* floor(e log10 2), floor(e log10 (3/4 2^e)) and floor(e log2 10) by fixed
 * point, exact over the exponents a double has (Giulietti, section 8). */
static int flog10_pow2(int e) { return (int)(((int64_t)e * 661971961083LL) >> 41); }
static int flog10_three_quarters_pow2(int e)
{
    return (int)(((int64_t)e * 661971961083LL - 274743187321LL) >> 41);
}
static int flog2_pow10(int e) { return (int)(((int64_t)e * 913124641741LL) >> 38); }

/* Rounds g cp / 2^127 to odd ("round to odd": the low bit is set when
 * anything was cut off), g = g1 2^63 + g0 (Giulietti, section 9). */
static uint64_t round_odd(uint64_t g1, uint64_t g0, uint64_t cp)
{
    const uint64_t mask63 = (UINT64_C(1) << 63) - 1;
    uint64_t x1 = mul_high(g0, cp);
    uint64_t y0 = g1 * cp;
    uint64_t y1 = mul_high(g1, cp);
    uint64_t z = (y0 >> 1) + x1;
    uint64_t vbp = y1 + (z >> 63);
    return vbp | (((z & mask63) + mask63) >> 63);
}

/* The shortest decimal f 10^*e in the rounding interval of c 2^q (c > 2),
 * the one nearest c 2^q when there are two. */
static uint64_t shortest(int q, uint64_t c, int *e)
{
    const uint64_t c_min = UINT64_C(1) << 52;
    uint64_t out = c & 1; /* c even: the interval's ends read back as c too */
    uint64_t cb = c << 2, cbr = cb + 2, cbl;
    int k;
    if (c != c_min || q == -1074) {
        cbl = cb - 2;
        k = flog10_pow2(q);
    } else { /* at a power of two the gap below is half the gap above */
        cbl = cb - 1;
        k = flog10_three_quarters_pow2(q);
    }
    int h = q + flog2_pow10(-k) + 2;
    const uint64_t *g = msc_g_table[k - MSC_G_K_MIN];
    uint64_t vb = round_odd(g[0], g[1], cb << h);
    uint64_t vbl = round_odd(g[0], g[1], cbl << h);
    uint64_t vbr = round_odd(g[0], g[1], cbr << h);
    uint64_t s = vb >> 2;
    if (s >= 100) { /* one digit fewer, when the interval holds it */
        uint64_t sp10 = 10 * (s / 10), tp10 = sp10 + 10;
        int upin = vbl + out <= sp10 << 2;
        int wpin = (tp10 << 2) + out <= vbr;
        if (upin != wpin) {
            *e = k;
            return upin ? sp10 : tp10;
        }
    }
    uint64_t t = s + 1;
    int uin = vbl + out <= s << 2;
    int win = (t << 2) + out <= vbr;
    *e = k;
    if (uin != win)
        return uin ? s : t;
    int64_t cmp = (int64_t)(vb - ((s + t) << 1)); /* s or t: the nearer, s on a tie if even */
    return cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t;
}

/* The decimal digits of v's shortest round-trip form: f 10^e, f > 0 with
 * no trailing zero. v is finite and not zero. */
static uint64_t decimal(double v, int *e)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t t = bits & ((UINT64_C(1) << 52) - 1);
    int bq = (int)((bits >> 52) & 0x7FF);
    uint64_t f;
    if (bq != 0) {
        int mq = 1075 - bq; /* v = c 2^-mq */
        uint64_t c = (UINT64_C(1) << 52) | t;
        if (mq > 0 && mq < 53 && ((c >> mq) << mq) == c) {
            f = c >> mq; /* a whole number below 2^53: its own digits */
            *e = 0;
        } else {
            f = shortest(-mq, c, e);
        }
    } else if (t <= 20) {
        /* the smallest subnormals: Schubfach's scaled value has fewer than
         * three digits there, too few to try one digit fewer (Java, which
         * wants two digits anyway, writes 4.9E-324); the table has them */
        f = msc_small_subnormal[t].f;
        *e = msc_small_subnormal[t].e;
    } else {
        f = shortest(-1074, t, e);
    }
    while (f % 10 == 0) {
        f /= 10;
        (*e)++;
    }
    return f;
}

/* -------------------------------------------------------------- layout */

/* Writes the decimal digits of f (f > 0) to out; returns their number.
 * Two digits a step from a table of "00" to "99", from the right: a
 * 17-digit number takes 9 divisions instead of 17 (a full JSON output of
 * 10^6 studies writes about 12 million numbers). */
static int digits(uint64_t f, char *out)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    char tmp[20], *end = tmp + sizeof tmp, *p = end;
    while (f >= 100) {
        unsigned r = (unsigned)(f % 100);
        f /= 100;
        p -= 2;
        memcpy(p, pairs + 2 * r, 2);
    }
    if (f >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * f, 2);
    } else {
        *--p = (char)('0' + f);
    }
    int n = (int)(end - p);
    memcpy(out, p, (size_t)n);
    return n;
}

size_t msc_rep_number_text(char *buf, double v)
{
    char *p = buf;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (bits >> 63)
        *p++ = '-';
    if (v == 0.0) {
        *p++ = '0';
        *p = '\0';
        return (size_t)(p - buf);
    }
    int e;
    char d[20];
    int n = digits(decimal(v, &e), d);
    int x = e + n - 1; /* the decimal exponent: v = d.ddd 10^x */
    if (x >= -4 && x < 17) { /* fixed, as %.17g writes it from 1e-4 to below 1e17 */
        if (x < 0) {
            memcpy(p, "0.", 2);
            p += 2;
            memset(p, '0', (size_t)(-x - 1));
            p += -x - 1;
            memcpy(p, d, (size_t)n);
            p += n;
        } else if (n <= x + 1) {
            memcpy(p, d, (size_t)n);
            p += n;
            memset(p, '0', (size_t)(x + 1 - n));
            p += x + 1 - n;
        } else {
            memcpy(p, d, (size_t)(x + 1));
            p += x + 1;
            *p++ = '.';
            memcpy(p, d + x + 1, (size_t)(n - x - 1));
            p += n - x - 1;
        }
    } else {
        *p++ = d[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)(n - 1));
            p += n - 1;
        }
        *p++ = 'e';
        if (x < 0) {
            *p++ = '-';
            x = -x;
        }
        p += digits((uint64_t)x, p);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

size_t msc_rep_int_text(char *buf, long long v)
{
    char *p = buf;
    /* the magnitude as unsigned, so that LLONG_MIN has one too */
    unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    if (v < 0)
        *p++ = '-';
    if (m == 0)
        *p++ = '0';
    else
        p += digits(m, p);
    *p = '\0';
    return (size_t)(p - buf);
}
