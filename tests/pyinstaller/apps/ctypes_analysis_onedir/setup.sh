# a library named in a ctypes.CDLL() call, found by the analysis on LD_LIBRARY_PATH
printf 'int auto_answer(void) { return 9; }\n' >"libauto.so.c" && cc -shared -fPIC -o "libauto.so" "libauto.so.c" && rm "libauto.so.c"
