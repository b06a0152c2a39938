/* "Did you mean ...?" for misspelt keys and sections: declared in pyhost/suggest.h, which the
 * command line uses too. */
#ifndef PH_CONFIG_SUGGEST_H
#define PH_CONFIG_SUGGEST_H

#include "pyhost/suggest.h"

#endif
