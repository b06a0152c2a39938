/* The one place that knows which CPython versions pyhost embeds and how they differ. Include it
 * right after <Python.h>; code elsewhere tests the PH_PY_* macros, never PY_VERSION_HEX.
 *
 * 3.9 and 3.10: no PyConfig.use_frozen_modules (only importlib's bootstrap and zipimport are
 * frozen, so the rest of the stdlib, runpy included, comes through pyhost's finder), and no
 * Py_NewRef before 3.10; 3.9's importlib.resources.files() ignores resource readers. 3.11-3.13
 * deep-freeze the start-up modules. The split initialization (PyConfig._init_main = 0, then
 * _Py_InitializeMain) is the same from 3.9 to 3.13. meson.build
 * refuses other versions at configure time; the #error catches a mismatched -Dlibpython. */
#ifndef PH_PYCOMPAT_H
#define PH_PYCOMPAT_H

#ifndef PY_VERSION_HEX
#error "include <Python.h> before pycompat.h"
#endif

#if PY_VERSION_HEX < 0x03090000 || PY_VERSION_HEX >= 0x030E0000
#error "pyhost's start-up sequence is written for CPython 3.9-3.13: check _init_main first"
#endif

/* PyConfig.use_frozen_modules (3.11+). */
#define PH_PY_HAS_USE_FROZEN_MODULES (PY_VERSION_HEX >= 0x030B0000)
/* importlib.resources.files() ignores the loader's resource reader (3.9): finder.c fixes it. */
#define PH_PY_RESOURCES_FILES_ASKS_NO_READER (PY_VERSION_HEX < 0x030A0000)

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *ph_py_new_ref(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}
#define Py_NewRef(obj) ph_py_new_ref((PyObject *)(obj))
#endif

#endif
