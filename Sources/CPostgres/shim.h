// libpq's client API (Debian libpq-dev), for the PostgreSQL token store in TokenService only:
// the responder never links it.
#include <libpq-fe.h>
