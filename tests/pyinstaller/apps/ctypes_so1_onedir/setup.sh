# a versioned library name
printf 'int v_answer(void) { return 11; }\n' >v.c && cc -shared -fPIC -Wl,-soname,libv.so.1 -o libv.so.1 v.c && rm v.c
