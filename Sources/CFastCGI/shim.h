// libfcgi's request-level API, and only that: fcgi_stdio.h would redefine printf and FILE
// for every Swift file that imports this module.
#include <fcgiapp.h>
