# libraries whose names look like extension modules
printf 'int abi_answer(void) { return 3; }\n' >"libabi.abi3.so.c" && cc -shared -fPIC -o "libabi.abi3.so" "libabi.abi3.so.c" && rm "libabi.abi3.so.c"
printf 'int sub_answer(void) { return 5; }\n' >"libsub.so.c" && cc -shared -fPIC -o "libsub.so" "libsub.so.c" && rm "libsub.so.c"
