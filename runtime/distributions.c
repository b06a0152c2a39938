/* importlib.metadata over a .pyr: the finder's find_distributions returns real
 * importlib.metadata.PathDistribution objects over PhResourcePath directories, so version(),
 * entry_points(), files(), requires() and packages_distributions() work as on disk. Metadata
 * directories are packed as '/'-named distribution-file entries ("Name-1.0.dist-info/METADATA"
 * or Debian's "Name-1.0.egg-info/PKG-INFO"). */
#include "finder.h"

#include <ctype.h>
#include <string.h>

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && !memcmp(s + len - n, suffix, n);
}

/* PEP 503 normalization with '_' (importlib.metadata's Prepared.normalize): lowercase, runs of
 * '-', '_' and '.' become one '_'. */
static void normalize(const char *name, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        char c = name[i];
        if (c == '-' || c == '_' || c == '.') {
            if (o == 0 || out[o - 1] != '_')
                out[o++] = '_';
        } else {
            out[o++] = (char)tolower((unsigned char)c);
        }
    }
    out[o] = '\0';
}

/* The metadata directory (or single egg-info file) an entry name belongs to, or 0. */
static size_t metadata_root(const char *name, size_t len)
{
    const char *slash = memchr(name, '/', len);
    size_t top = slash ? (size_t)(slash - name) : len;
    if (has_suffix(name, top, ".dist-info") || has_suffix(name, top, ".egg-info"))
        return top;
    return 0;
}

static bool name_matches(const char *root, size_t len, const char *wanted)
{
    if (!wanted)
        return true;
    const char *dash = memchr(root, '-', len);
    size_t stem =
        dash ? (size_t)(dash - root) : len - (has_suffix(root, len, ".dist-info") ? 10 : 9);
    char a[256], b[256];
    normalize(root, stem, a, sizeof a);
    normalize(wanted, strlen(wanted), b, sizeof b);
    return !strcmp(a, b);
}

/* The distribution name a context asks for (None: all), as UTF-8 or NULL. */
static int context_name(PyObject *args, PyObject *kwargs, PyObject **name)
{
    PyObject *context = NULL;
    static char *kwlist[] = {"context", NULL};
    *name = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:find_distributions", kwlist, &context))
        return -1;
    if (!context || context == Py_None)
        return 0;
    PyObject *n = PyObject_GetAttrString(context, "name");
    if (!n)
        return -1;
    if (n == Py_None)
        Py_DECREF(n);
    else
        *name = n;
    return 0;
}

static PyObject *distribution_for(PhFinder *f, PyObject *factory, const char *root, size_t len)
{
    PyObject *rel = PyUnicode_FromStringAndSize(root, (Py_ssize_t)len);
    PyObject *path = rel ? ph_resource_path_new(f, rel) : NULL;
    PyObject *dist = path ? PyObject_CallOneArg(factory, path) : NULL;
    Py_XDECREF(path);
    Py_XDECREF(rel);
    return dist;
}

PyObject *ph_finder_find_distributions(PhFinder *f, PyObject *args, PyObject *kwargs)
{
    PyObject *wanted_obj;
    if (context_name(args, kwargs, &wanted_obj) < 0)
        return NULL;
    const char *wanted = wanted_obj ? PyUnicode_AsUTF8(wanted_obj) : NULL;
    PyObject *metadata = PyImport_ImportModule("importlib.metadata");
    PyObject *factory = metadata ? PyObject_GetAttrString(metadata, "PathDistribution") : NULL;
    Py_XDECREF(metadata);
    PyObject *found = factory && (!wanted_obj || wanted) ? PyList_New(0) : NULL;
    pyr_info info;
    pyr_get_info(f->archive, &info);
    const char *last = NULL;
    size_t last_len = 0;
    for (uint32_t i = 0; found && i < info.entry_count; i++) {
        pyr_entry e;
        if (pyr_entry_at(f->archive, i, &e, NULL) < 0 || e.kind != PYR_DISTRIBUTION_FILE)
            continue;
        size_t root = metadata_root(e.name, e.name_len);
        /* entries are sorted, so a directory's files are adjacent: one distribution each */
        if (!root || (last && root == last_len && !memcmp(last, e.name, root)))
            continue;
        last = e.name;
        last_len = root;
        if (!name_matches(e.name, root, wanted))
            continue;
        PyObject *dist = distribution_for(f, factory, e.name, root);
        if (!dist || PyList_Append(found, dist) < 0)
            Py_CLEAR(found);
        Py_XDECREF(dist);
    }
    Py_XDECREF(factory);
    Py_XDECREF(wanted_obj);
    if (!found)
        return NULL;
    PyObject *it = PyObject_GetIter(found);
    Py_DECREF(found);
    return it;
}
