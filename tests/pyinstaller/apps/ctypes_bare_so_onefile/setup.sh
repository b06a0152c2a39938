# a tiny shared library the app loads with ctypes by bare name
printf 'int x_answer(void) { return 42; }\n' >"libx.so.c" && cc -shared -fPIC -o "libx.so" "libx.so.c" && rm "libx.so.c"
