// What Swift's Glibc module does not expose, and the one piece of code that
// must run between fork and exec: signalfd, prctl(PR_SET_CHILD_SUBREAPER),
// wait-status decoding, and roost_spawn. Kept small on purpose; see shim.c.
#ifndef ROOST_CSUPPORT_H
#define ROOST_CSUPPORT_H

#include <signal.h>
#include <sys/types.h>

// MARK: linking

/// 1 when this program was linked dynamically (it has a program
/// interpreter, ld.so), 0 for a fully static binary. A static binary must not
/// use glibc's NSS (getpwnam_r, getgrouplist …) beyond the built-in "files"
/// source: NSS would dlopen modules such as libnss_systemd.so built for
/// another libc, which crash it.
int roost_is_dynamically_linked(void);

// MARK: memory

/// Tells the kernel that the pages of this executable's mappings touched so
/// far (start-up code, argument parsing, metadata) are not needed
/// now: they leave this process's resident set and come back, from the page
/// cache, only if touched again. Returns how many mappings were released, or
/// -1 with errno set. Harmless on kernels without MADV_PAGEOUT (before 5.4).
int roost_release_executable_pages(void);

// MARK: signals

/// Blocks `mask` in the calling thread (threads created later inherit it).
/// Returns 0, or -1 with errno set.
int roost_block_signals(const sigset_t *mask);

/// Creates a non-blocking, close-on-exec signalfd for `mask`.
/// Returns the fd, or -1 with errno set.
int roost_signalfd(const sigset_t *mask);

/// Reads one queued signal from a non-blocking signalfd.
/// Returns the signal number, 0 when nothing is queued, or -1 with errno set.
int roost_signalfd_read(int fd);

/// Sets SIGPIPE to SIG_IGN so a vanished log reader returns EPIPE instead of
/// killing the supervisor. Children get default dispositions back (roost_spawn).
int roost_ignore_sigpipe(void);

/// The highest signal number plus one (_NSIG).
int roost_signal_limit(void);

// MARK: process state

/// pipe2(fds, O_CLOEXEC) (not exported by Swift's Glibc module).
int roost_pipe_cloexec(int fds[2]);

// MARK: files

/// renameat2(from, to, RENAME_EXCHANGE): swaps two existing names in one
/// step (not exported by Swift's Glibc module). Returns 0, or -1 with errno
/// set (ENOENT when `to` is missing, EINVAL where the file system cannot).
int roost_rename_exchange(const char *from, const char *to);


/// prctl(PR_SET_CHILD_SUBREAPER, on): orphaned descendants are re-parented to
/// this process instead of PID 1. Returns 0, or -1 with errno set.
int roost_set_child_subreaper(int on);

/// 1 when this process is a child subreaper, 0 when not, -1 with errno set.
int roost_is_child_subreaper(void);

/// waitpid status decoding (the W* macros are not importable into Swift).
int roost_wexitstatus(int status);
int roost_wifsignaled(int status);
int roost_wtermsig(int status);

// MARK: spawn

/// Which step of the child's setup failed (reported with errno).
enum roost_spawn_stage {
    ROOST_STAGE_NONE = 0,
    ROOST_STAGE_FORK = 1,
    ROOST_STAGE_SESSION = 2,    // setsid / setpgid
    ROOST_STAGE_GROUPS = 3,     // setgroups
    ROOST_STAGE_GID = 4,        // setgid
    ROOST_STAGE_UID = 5,        // setuid
    ROOST_STAGE_CHDIR = 6,
    ROOST_STAGE_STDIO = 7,      // open /dev/null, dup2
    ROOST_STAGE_EXEC = 8,
};

/// Everything the child needs; all pointers must stay valid during the call.
struct roost_spawn_request {
    const char *path;             // absolute or relative path to execve
    char *const *argv;            // NULL-terminated
    char *const *envp;            // NULL-terminated, used as-is
    const char *cwd;              // NULL: inherit
    int new_session;              // 1: setsid(); 0: setpgid(0, 0)
    int set_groups;               // 1: setgroups(ngroups, groups) first
    const gid_t *groups;
    int ngroups;
    int set_gid;                  // 1: setgid(gid) after groups
    gid_t gid;
    int set_uid;                  // 1: setuid(uid) last
    uid_t uid;
    int stdin_fd;                 // -1: /dev/null
    int stdout_fd;                // -1: inherit the supervisor's
    int stderr_fd;                // -1: inherit the supervisor's
};

/// Starts `req->path` in a new process group (or session) with default signal
/// dispositions, an empty signal mask, the requested ids, cwd and stdio, and
/// every other descriptor closed at exec.
///
/// Returns the pid (which is also the new process group id). On failure
/// returns -1 and stores the failing stage and errno in `*stage` and `*error`;
/// a child that failed before or at execve has already been reaped here, so
/// the caller never sees an unexplained exit 127.
pid_t roost_spawn(const struct roost_spawn_request *req, int *stage, int *error);

#endif
