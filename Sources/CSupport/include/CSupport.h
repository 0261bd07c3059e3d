// What Swift's Glibc module does not expose: signalfd, prctl(PR_SET_CHILD_SUBREAPER)
// and posix_spawn flags such as POSIX_SPAWN_SETSID. Kept tiny on purpose.
#ifndef ROOST_CSUPPORT_H
#define ROOST_CSUPPORT_H
int roost_csupport_version(void);
#endif
