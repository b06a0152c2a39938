/* PEP 508 environment markers, evaluated for the embedded Python (not the build machine's
 * tools), so `Requires-Dist: foo; python_version < "3.8"` is judged for what the app runs on.
 *
 * Grammar:  or := and ('or' and)*    and := atom ('and' atom)*
 *           atom := '(' or ')' | value OP value     value := VARIABLE | 'string' | "string"
 * Versions compare numerically ("3.11" > "3.9", "3.11" == "3.11.0", "3.*" as a prefix) when
 * both sides look like versions; everything else compares as strings, as `packaging` falls
 * back to for non-versions. */
#include <patchlevel.h> /* the embedded CPython's PY_VERSION */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "wheel.h"

typedef struct mparser {
    const char *p;
    const char *extra; /* normalized; "" when no extra is being evaluated */
    char *why;
    size_t why_size;
    bool failed;
} mparser;

typedef struct mvalue {
    char text[128];
    bool is_extra; /* the variable `extra`: the other side is normalized before comparing */
} mvalue;

static const struct {
    const char *name, *value;
} environment[] = {
    {"python_version", PH_STR(PY_MAJOR_VERSION) "." PH_STR(PY_MINOR_VERSION)},
    {"python_full_version", PY_VERSION},
    {"implementation_version", PY_VERSION},
    {"implementation_name", "cpython"},
    {"platform_python_implementation", "CPython"},
    {"sys_platform", "linux"},
    {"platform_system", "Linux"},
    {"os_name", "posix"},
    {"platform_machine", "x86_64"},
    {"platform_release", ""},
    {"platform_version", ""},
};

static bool fail(mparser *mp, const char *what)
{
    if (!mp->failed)
        snprintf(mp->why, mp->why_size, "%s at '%.40s'", what, mp->p);
    mp->failed = true;
    return false;
}

static void skip_space(mparser *mp)
{
    while (*mp->p == ' ' || *mp->p == '\t')
        mp->p++;
}

/* Consumes `word` when it is the next token (a whole word for alphabetic ones). */
static bool accept(mparser *mp, const char *word)
{
    skip_space(mp);
    size_t n = strlen(word);
    if (strncmp(mp->p, word, n) != 0)
        return false;
    char next = mp->p[n];
    bool alpha = word[0] >= 'a' && word[0] <= 'z';
    if (alpha && ((next >= 'a' && next <= 'z') || next == '_'))
        return false;
    mp->p += n;
    return true;
}

static bool parse_string(mparser *mp, mvalue *v)
{
    char quote = *mp->p++;
    const char *end = strchr(mp->p, quote);
    if (!end || (size_t)(end - mp->p) >= sizeof v->text)
        return fail(mp, "unterminated or overlong string");
    memcpy(v->text, mp->p, (size_t)(end - mp->p));
    v->text[end - mp->p] = '\0';
    mp->p = end + 1;
    return true;
}

static bool parse_variable(mparser *mp, mvalue *v)
{
    size_t n = strspn(mp->p, "abcdefghijklmnopqrstuvwxyz_.");
    if (n == 0 || n >= sizeof v->text)
        return fail(mp, "expected a marker variable or a quoted string");
    char name[128];
    memcpy(name, mp->p, n);
    name[n] = '\0';
    mp->p += n;
    if (!strcmp(name, "extra")) {
        snprintf(v->text, sizeof v->text, "%s", mp->extra);
        v->is_extra = true;
        return true;
    }
    for (size_t i = 0; i < sizeof environment / sizeof environment[0]; i++)
        if (!strcmp(environment[i].name, name)) {
            snprintf(v->text, sizeof v->text, "%s", environment[i].value);
            return true;
        }
    mp->p -= n;
    return fail(mp, "unknown marker variable");
}

static bool parse_value(mparser *mp, mvalue *v)
{
    skip_space(mp);
    *v = (mvalue){{0}, false};
    if (*mp->p == '"' || *mp->p == '\'')
        return parse_string(mp, v);
    return parse_variable(mp, v);
}

/* Longest first, so "<=" is not read as "<". */
static const char *const operators[] = {
    "===", "~=", "==", "!=", "<=", ">=", "<", ">", "not in", "in"};

static const char *parse_op(mparser *mp)
{
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++) {
        if (!strcmp(operators[i], "not in")) {
            const char *save = mp->p;
            if (accept(mp, "not") && accept(mp, "in"))
                return operators[i];
            mp->p = save;
        } else if (accept(mp, operators[i])) {
            return operators[i];
        }
    }
    fail(mp, "expected a comparison operator");
    return NULL;
}

/* ---- comparing ------------------------------------------------------------------------- */

#define MAX_PARTS 8

/* "3.11.2" -> {3, 11, 2}; a trailing ".*" sets *wild. Returns the part count, 0 if not a
 * plain release version. */
static int parse_version(const char *s, long parts[MAX_PARTS], bool *wild)
{
    int n = 0;
    *wild = false;
    while (*s && n < MAX_PARTS) {
        if (s[0] == '*' && !s[1] && n > 0) {
            *wild = true;
            return n;
        }
        if (*s < '0' || *s > '9')
            return 0;
        char *end;
        parts[n++] = strtol(s, &end, 10);
        if (*end == '.' && end[1])
            end++;
        else if (*end)
            return 0;
        s = end;
    }
    return *s ? 0 : n;
}

static int compare_parts(const long *a, int na, const long *b, int nb, int upto)
{
    for (int i = 0; i < upto; i++) {
        long x = i < na ? a[i] : 0, y = i < nb ? b[i] : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* Returns 1/0 for a version comparison, -1 when either side is not a version. */
static int compare_versions(const char *lhs, const char *op, const char *rhs)
{
    long a[MAX_PARTS], b[MAX_PARTS];
    bool wa, wb;
    int na = parse_version(lhs, a, &wa), nb = parse_version(rhs, b, &wb);
    if (!na || !nb || wa || (wb && strcmp(op, "==") && strcmp(op, "!=")))
        return -1;
    int upto = wb ? nb : (na > nb ? na : nb);
    int c = compare_parts(a, na, b, nb, upto);
    if (!strcmp(op, "=="))
        return c == 0;
    if (!strcmp(op, "!="))
        return c != 0;
    if (!strcmp(op, "<"))
        return c < 0;
    if (!strcmp(op, "<="))
        return c <= 0;
    if (!strcmp(op, ">"))
        return c > 0;
    if (!strcmp(op, ">="))
        return c >= 0;
    /* ~=: at least rhs, and the same release up to rhs's next-to-last part. */
    return nb >= 2 && c >= 0 && compare_parts(a, na, b, nb, nb - 1) == 0;
}

static bool compare(const mvalue *l, const char *op, const mvalue *r)
{
    char lhs[128], rhs[128];
    snprintf(lhs, sizeof lhs, "%s", l->text);
    snprintf(rhs, sizeof rhs, "%s", r->text);
    if (l->is_extra || r->is_extra) {
        ph_dist_normalize(lhs);
        ph_dist_normalize(rhs);
    }
    if (!strcmp(op, "in"))
        return strstr(rhs, lhs) != NULL;
    if (!strcmp(op, "not in"))
        return strstr(rhs, lhs) == NULL;
    int v = strcmp(op, "===") ? compare_versions(lhs, op, rhs) : -1;
    if (v >= 0)
        return v == 1;
    int c = strcmp(lhs, rhs);
    if (!strcmp(op, "==") || !strcmp(op, "===") || !strcmp(op, "~="))
        return c == 0;
    if (!strcmp(op, "!="))
        return c != 0;
    if (!strcmp(op, "<") || !strcmp(op, "<="))
        return c < 0 || (c == 0 && op[1] == '=');
    return c > 0 || (c == 0 && op[1] == '=');
}

/* ---- the grammar ----------------------------------------------------------------------- */

static bool parse_or(mparser *mp);

static bool parse_atom(mparser *mp)
{
    if (accept(mp, "(")) {
        bool v = parse_or(mp);
        if (!accept(mp, ")"))
            return fail(mp, "expected ')'");
        return v;
    }
    mvalue l, r;
    if (!parse_value(mp, &l))
        return false;
    const char *op = parse_op(mp);
    if (!op || !parse_value(mp, &r))
        return false;
    return compare(&l, op, &r);
}

/* Both sides are always parsed, so a syntax error is found whatever the values. */
static bool parse_and(mparser *mp)
{
    bool v = parse_atom(mp);
    while (!mp->failed && accept(mp, "and"))
        v = parse_atom(mp) && v;
    return v;
}

static bool parse_or(mparser *mp)
{
    bool v = parse_and(mp);
    while (!mp->failed && accept(mp, "or"))
        v = parse_and(mp) || v;
    return v;
}

int ph_marker_eval(const char *marker, const char *extra, bool *result, char *why, size_t why_size)
{
    mparser mp = {.p = marker, .extra = extra ? extra : "", .why = why, .why_size = why_size};
    bool v = parse_or(&mp);
    skip_space(&mp);
    if (!mp.failed && *mp.p)
        fail(&mp, "unexpected text");
    if (mp.failed)
        return -1;
    *result = v;
    return 0;
}
