// The system headers come first: libevent's event-config.h defines _GNU_SOURCE, and if it is seen
// before <sys/select.h> the fd_set in this module no longer matches Glibc's (a clean build fails).
#include <sys/types.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/thread.h>
#include <event2/util.h>

/// `evutil_socket_t` is a macro and does not import into Swift.
typedef int portico_socket_t;

/// accept4 is declared by <sys/socket.h> only under _GNU_SOURCE, which must not be defined before
/// the system headers here (see above); one accept4 call saves two fcntl calls per connection.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
static inline int portico_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags) {
    return accept4(fd, addr, addrlen, flags);
}


