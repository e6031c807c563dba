// libfcgi's request-level API, and only that: the stdio-replacing header of libfcgi would
// redefine printf and FILE for every Swift file that imports this module.
#include <fcgiapp.h>
