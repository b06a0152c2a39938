"""Rewrites fields of a .pyr header and its checksum, for tests of the reader's refusals.

usage: pyr_patch.py IN OUT [magic=N] [version=X.Y] [corrupt=NAME]
  magic=N      importlib's bytecode magic number (the low 16 bits; 3413 is Python 3.8's)
  version=X.Y  the Python version the file says it was built for
  corrupt=NAME flips one byte in the middle of every blob of entry NAME (its blob checksums,
               which are outside the header and index, now fail)
  forge=NAME   points entry NAME's name outside the names section and recomputes every index
               checksum: a forged index that passes its checksums, which only the reader's
               bounds checks can catch
  escape=NAME  rewrites the first 4 bytes of entry NAME's filesystem-relative path ("lib/...")
               to "../_", with its blob checksum and the index checksums recomputed: a path that
               leaves the app directory in a file that passes every checksum

Pure Python (any 3.9+, no xxhash module): the header checksum is the low 32 bits of XXH64 of
header bytes [0, 124) (runtime/pyr_format.h).
"""
import struct
import sys

M = (1 << 64) - 1
P1, P2, P3 = 11400714785074694791, 14029467366897019727, 1609587929392839161
P4, P5 = 9650029242287828579, 2870177450012600261


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def rnd(acc, value):
    return rotl((acc + value * P2) & M, 31) * P1 & M


def xxh64(data, seed=0):
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 32 <= n:
            v = [rnd(v[j], struct.unpack_from("<Q", data, i + 8 * j)[0]) for j in range(4)]
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for x in v:
            h = ((h ^ rnd(0, x)) * P1 + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, struct.unpack_from("<Q", data, i)[0]), 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (struct.unpack_from("<I", data, i)[0] * P1 & M), 23) * P2 + P3) & M
        i += 4
    while i < n:
        h = rotl(h ^ (data[i] * P5 & M), 11) * P1 & M
        i += 1
    h = (h ^ (h >> 33)) * P2 & M
    h = (h ^ (h >> 29)) * P3 & M
    return h ^ (h >> 32)


def corrupt(data, name):
    """Flips a stored byte of each of NAME's blobs (docs/format.md: entries, blob records)."""
    count, = struct.unpack_from("<I", data, 32)
    entries, blobs, names = struct.unpack_from("<QQQ", data, 56)
    for i in range(count):
        off, length, kind, mask, first, _ = struct.unpack_from("<IHBBII", data, entries + 16 * i)
        if bytes(data[names + off:names + off + length]) != name.encode():
            continue
        for b in range(bin(mask).count("1")):
            start, stored = struct.unpack_from("<QQ", data, blobs + 32 * (first + b))
            data[start + stored // 2] ^= 0xFF
        return
    raise SystemExit("pyr_patch.py: no entry " + name)


def find_entry(data, name):
    """Byte offset of entry NAME's 16-byte record."""
    count, = struct.unpack_from("<I", data, 32)
    entries, _, names = struct.unpack_from("<QQQ", data, 56)
    for i in range(count):
        off, length = struct.unpack_from("<IH", data, entries + 16 * i)
        if bytes(data[names + off:names + off + length]) == name.encode():
            return entries + 16 * i
    raise SystemExit("pyr_patch.py: no entry " + name)


def resum(data):
    """Recomputes the index chunk checksums and their array's (docs/format.md, Chunk checksums)."""
    index_size, chunks = struct.unpack_from("<QQ", data, 88)
    count = (index_size + 4095) // 4096
    for c in range(count):
        chunk = bytes(data[128 + 4096 * c:128 + min(4096 * (c + 1), index_size)])
        struct.pack_into("<I", data, chunks + 4 * c, xxh64(chunk) & 0xFFFFFFFF)
    struct.pack_into("<I", data, 120, xxh64(bytes(data[chunks:chunks + 4 * count])) & 0xFFFFFFFF)


def escape(data, name):
    at = find_entry(data, name)
    _, _, _, mask, first, _ = struct.unpack_from("<IHBBII", data, at)
    blobs, = struct.unpack_from("<Q", data, 64)
    record = blobs + 32 * (first + bin(mask & 0xF).count("1"))  # the data slot (4)
    start, stored, _, flags = struct.unpack_from("<QQQI", data, record)
    assert mask & 0x10 and flags >> 8 & 0xFF == 1, "not a filesystem-relative data blob"
    data[start:start + 4] = b"../_"
    struct.pack_into("<I", data, record + 28, xxh64(bytes(data[start:start + stored])) & 0xFFFFFFFF)
    resum(data)


def main(args):
    data = bytearray(open(args[0], "rb").read())
    for arg in args[2:]:
        key, value = arg.split("=", 1)
        if key == "magic":
            struct.pack_into("<I", data, 16, int(value) | (0x0A0D << 16))
        elif key == "version":
            major, minor = map(int, value.split("."))
            struct.pack_into("<I", data, 20, (major << 24) | (minor << 16))
        elif key == "corrupt":
            corrupt(data, value)
        elif key == "escape":
            escape(data, value)
        elif key == "forge":
            struct.pack_into("<I", data, find_entry(data, value), 0xFFFFFFF0)
            resum(data)
        else:
            raise SystemExit("pyr_patch.py: unknown field " + key)
    struct.pack_into("<I", data, 124, xxh64(bytes(data[:124])) & 0xFFFFFFFF)
    open(args[1], "wb").write(data)


if __name__ == "__main__":
    main(sys.argv[1:])
