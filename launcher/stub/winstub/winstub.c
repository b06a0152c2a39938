/* The Windows side of the app stub (NAME.exe in an MSI), built with mingw-w64.
 *
 * It does what launcher/stub/stub.c does on Linux up to the interpreter: it asks Windows for its
 * own path (GetModuleFileNameW, never argv[0]), takes its resources from a trailer at the end of
 * its file or from NAME.pyr next to it, checks the .pyr header, and loads the CPython DLL the .pyr
 * was packed for (python3XX.dll) from its own directory only. No Windows CPython can be built or
 * obtained on the Debian build machine, so the pyhost runtime is not linked in: when the DLL is
 * missing the stub says so (the state an MSI built on Linux installs), and when it is present
 * the stub says that this build cannot start it. docs/installers.md lists what a Windows build
 * machine adds.
 *
 * Plain Win32 file reads instead of runtime/format/pyr_reader.c: the reader maps files with POSIX
 * mmap, and a header check needs 128 bytes. pyr_hash.c (portable) is compiled in for the checksums.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "pyr_format.h"
#include "pyhost/pyr_hash.h"

#define PATH_CHARS 32768 /* the longest path Windows has */
#define TEXT_CHARS 2048

static wchar_t self[PATH_CHARS]; /* this executable */
static wchar_t exe_name[MAX_PATH];
static wchar_t app_name[MAX_PATH]; /* exe_name without ".exe": messages are the app's */
static wchar_t message[TEXT_CHARS], hint[TEXT_CHARS];

/* ---- Reporting -------------------------------------------------------------------------- */

static void write_text(HANDLE h, const wchar_t *text)
{
    DWORD mode, done;
    if (GetConsoleMode(h, &mode)) {
        WriteConsoleW(h, text, (DWORD)wcslen(text), &done, NULL);
        return;
    }
    char utf8[TEXT_CHARS * 3];
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8, sizeof utf8, NULL, NULL);
    if (n > 1)
        WriteFile(h, utf8, (DWORD)(n - 1), &done, NULL);
}

/* Two lines on stderr, the shape every pyhost message has. A GUI app (-mwindows) started from
 * Explorer has no stderr at all: a message box is the only way the user learns anything. */
static int report(void)
{
    wchar_t text[TEXT_CHARS * 2 + MAX_PATH + 32];
    _snwprintf(text, sizeof text / sizeof text[0] - 1, L"%ls: error: %ls\nhint: %ls\n", app_name,
               message, hint);
    text[sizeof text / sizeof text[0] - 1] = L'\0';
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    if (h && h != INVALID_HANDLE_VALUE)
        write_text(h, text);
    else
        MessageBoxW(NULL, text, app_name, MB_OK | MB_ICONERROR);
    return 1;
}

static int fail(const wchar_t *hint_text, const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _vsnwprintf(message, TEXT_CHARS - 1, fmt, ap);
    va_end(ap);
    wcsncpy(hint, hint_text, TEXT_CHARS - 1);
    return -1;
}

static const wchar_t damaged[] = L"the app's files are damaged or incomplete: reinstall it";

/* ---- Where this executable is ----------------------------------------------------------- */

static int locate_self(void)
{
    DWORD n = GetModuleFileNameW(NULL, self, PATH_CHARS);
    if (n == 0 || n >= PATH_CHARS)
        return fail(damaged, L"cannot find the path of this program (Windows error %lu)",
                    GetLastError());
    const wchar_t *slash = wcsrchr(self, L'\\');
    wcsncpy(exe_name, slash ? slash + 1 : self, MAX_PATH - 1);
    wcsncpy(app_name, exe_name, MAX_PATH - 1);
    size_t len = wcslen(app_name);
    if (len > 4 && !_wcsicmp(app_name + len - 4, L".exe"))
        app_name[len - 4] = L'\0';
    return 0;
}

/* dir\<file>, where dir is this executable's directory. */
static void sibling(wchar_t *out, const wchar_t *file)
{
    wcscpy(out, self);
    wchar_t *slash = wcsrchr(out, L'\\');
    wcscpy(slash ? slash + 1 : out, file);
}

/* ---- Resources -------------------------------------------------------------------------- */

static BOOL read_at(HANDLE f, uint64_t offset, void *buf, DWORD size)
{
    LARGE_INTEGER at = {.QuadPart = (LONGLONG)offset};
    DWORD got = 0;
    return SetFilePointerEx(f, at, NULL, FILE_BEGIN) && ReadFile(f, buf, size, &got, NULL) &&
           got == size;
}

/* The .pyr header at `offset`: magic, version, checksum. Returns the Python minor version the
 * bytecode is for (which names the DLL), or -1. */
static int check_header(HANDLE f, uint64_t offset, uint64_t available, const wchar_t *path)
{
    pyr_header h;
    if (available < sizeof h || !read_at(f, offset, &h, sizeof h) ||
        memcmp(h.magic, PYR_MAGIC, PYR_MAGIC_SIZE) != 0)
        return fail(damaged, L"%ls is not a pyhost resources file", path);
    if (h.format_version != PYR_FORMAT_VERSION ||
        (uint32_t)pyr_xxh64(&h, offsetof(pyr_header, header_checksum)) != h.header_checksum ||
        h.file_size > available)
        return fail(damaged, L"%ls is damaged (its header does not check out)", path);
    if ((h.python_version >> 24) != 3)
        return fail(damaged, L"%ls is not for Python 3", path);
    return (int)((h.python_version >> 16) & 0xff);
}

/* Returns 1 with *offset set when this file ends in a valid trailer, 0 when it has none. */
static int find_trailer(HANDLE f, uint64_t size, uint64_t *offset)
{
    pyr_trailer t;
    if (size < sizeof t || !read_at(f, size - sizeof t, &t, sizeof t) ||
        memcmp(t.magic, PYR_TRAILER_MAGIC, 8) != 0)
        return 0;
    uint64_t end = size - sizeof t;
    if (pyr_xxh64(&t, offsetof(pyr_trailer, checksum)) != t.checksum || t.offset > end ||
        t.size != end - t.offset)
        return fail(L"the executable is damaged: reinstall the app",
                    L"%ls: the embedded-resources trailer is damaged", self);
    *offset = t.offset;
    return 1;
}

static HANDLE open_read(const wchar_t *path)
{
    return CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
}

/* Checks the resources (embedded, else adjacent NAME.pyr) and returns the Python minor version
 * they were packed for, or -1. */
static int find_resources(void)
{
    HANDLE f = open_read(self);
    LARGE_INTEGER size = {0};
    if (f == INVALID_HANDLE_VALUE || !GetFileSizeEx(f, &size))
        return fail(damaged, L"cannot read %ls (Windows error %lu)", self, GetLastError());
    uint64_t offset = 0;
    int rc = find_trailer(f, (uint64_t)size.QuadPart, &offset);
    if (rc == 1)
        rc = check_header(f, offset, (uint64_t)size.QuadPart - offset - sizeof(pyr_trailer), self);
    CloseHandle(f);
    if (rc != 0 || offset != 0) /* embedded (checked above), or a damaged trailer */
        return rc;
    static wchar_t pyr[PATH_CHARS], pyr_name[MAX_PATH + 8];
    _snwprintf(pyr_name, MAX_PATH + 7, L"%ls.pyr", app_name);
    sibling(pyr, pyr_name);
    if ((f = open_read(pyr)) == INVALID_HANDLE_VALUE)
        return fail(L"the app is incomplete (its .pyr was not installed along): reinstall it",
                    L"%ls holds no embedded resources and %ls does not exist", self, pyr);
    rc = GetFileSizeEx(f, &size) ? check_header(f, 0, (uint64_t)size.QuadPart, pyr)
                                 : fail(damaged, L"cannot read %ls", pyr);
    CloseHandle(f);
    return rc;
}

/* ---- The interpreter -------------------------------------------------------------------- */

/* Only from this directory, never from PATH or the working directory: a python3XX.dll found
 * elsewhere would be another program's (or an attacker's). */
static int load_python(int minor)
{
    wchar_t dll_name[32], dll[PATH_CHARS];
    _snwprintf(dll_name, 31, L"python3%d.dll", minor);
    dll_name[31] = L'\0';
    sibling(dll, dll_name);
    if (GetFileAttributesW(dll) == INVALID_FILE_ATTRIBUTES)
        return fail(L"the app is incomplete: reinstall it (whoever built it: a Windows build "
                    L"puts CPython's DLLs from the embeddable distribution next to the .exe, "
                    L"or links CPython statically; see pyhost's docs/installers.md)",
                    L"%ls was not found next to %ls", dll_name, exe_name);
    /* LOAD_WITH_ALTERED_SEARCH_PATH: its own dependencies (vcruntime140.dll) come from there
     * too. */
    HMODULE python = LoadLibraryExW(dll, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    if (!python)
        return fail(L"reinstall the app; the DLL may be damaged, for another architecture, "
                    L"or missing vcruntime140.dll",
                    L"%ls cannot be loaded (Windows error %lu)", dll, GetLastError());
    return fail(L"build the app on a Windows build machine (pyhost's docs/installers.md)",
                L"this %ls was built without pyhost's runtime and cannot start %ls", exe_name,
                dll_name);
}

int wmain(int argc, wchar_t **argv)
{
    (void)argc, (void)argv; /* the app would get them; this build never starts it */
    int minor = -1;
    if (locate_self() < 0 || (minor = find_resources()) < 0 || load_python(minor) < 0)
        return report();
    return 0;
}
