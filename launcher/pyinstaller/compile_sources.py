"""Compiles Python sources for ph-pack-sources: compile_sources.py OUT ROOT FILE...

Meson runs this with the interpreter pyhost embeds, so that the bytecode packed next to each
source is what that interpreter would make: the package is then imported without compiling at
every `pyhost pyinstaller` (the compatibility package is 2,000 lines). OUT holds, for each FILE
(a path under ROOT): the path, a NUL, the marshalled code object's size as 8 bytes little-endian,
then the code object. The finder gives each code object its real filename when it loads it."""
import marshal
import os
import sys


def main() -> None:
    out_path, root = sys.argv[1:3]
    with open(out_path, 'wb') as out:
        for rel in sys.argv[3:]:
            with open(os.path.join(root, rel), 'rb') as f:
                text = f.read().decode('utf-8')
            code = marshal.dumps(compile(text, rel, 'exec', dont_inherit=True))
            out.write(rel.encode('utf-8') + b'\0' + len(code).to_bytes(8, 'little') + code)


main()
