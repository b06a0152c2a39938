/* The creation and last-save times of an MSI, set after the fact.
 *
 * wixl stamps the current time into the summary information (PID_CREATE_DTM and
 * PID_LASTSAVE_DTM) and no msitools command can set it, so two builds of the same input differ
 * in those 16 bytes. This rewrites them in place in the finished file, an OLE compound file
 * (MS-CFB) whose "\005SummaryInformation" stream is a property set (MS-OLEPS). */
#ifndef PH_MSI_TIME_H
#define PH_MSI_TIME_H

#include <stdint.h>

#include "pyhost/error.h"

/* Overwrites the VT_FILETIME values of PID 12 and 13 of the MSI at `path` with `epoch` (Unix
 * seconds); no other byte changes. Fails, changing nothing, when the file is not laid out as
 * expected (every offset and chain is bounds-checked). */
int ph_msi_set_time(const char *path, int64_t epoch, ph_error *err);

#endif
