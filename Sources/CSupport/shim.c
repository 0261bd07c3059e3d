#include "CSupport.h"
int roost_csupport_version(void) { return 1; }
