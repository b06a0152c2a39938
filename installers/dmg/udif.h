/* UDIF, the format of macOS .dmg files, written without Apple's tools.
 *
 * A UDIF file is: the data fork (the disk's sectors in chunks, each zlib-compressed, stored raw
 * or described as zeros), then an XML property list whose "resource-fork" -> "blkx" array holds
 * one base64 "mish" table per partition (which chunk holds which sectors, a CRC32 of the
 * partition's sectors), then a 512-byte "koly" trailer (where the data fork and the plist are,
 * a CRC32 of the data fork, a CRC32 of the partitions' CRCs, the number of sectors). Every
 * integer is big-endian. hdiutil calls a zlib UDIF "UDZO"; dmg2img and 7-Zip read it.
 *
 * A disk with an Apple partition map gets one table per partition (the gaps included, so the
 * tables cover every sector in order), as hdiutil makes them; anything else is one table. */
#ifndef PH_UDIF_H
#define PH_UDIF_H

#include "pyhost/error.h"

/* Reads the raw disk image at `raw_path` (its size a multiple of 512) and writes the UDIF to
 * `dmg_path`. The output depends on the input bytes only (the segment id is derived from
 * them), so identical images give identical .dmg files. */
int ph_udif_write(const char *raw_path, const char *dmg_path, ph_error *err);

#endif
