// The C that Swift cannot express safely: signalfd, prctl, W* macros, and the
// code that runs in a child between vfork and execve.
#define _GNU_SOURCE
#include "CSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// MARK: signals

int roost_block_signals(const sigset_t *mask) {
    int rc = pthread_sigmask(SIG_BLOCK, mask, NULL);
    if (rc != 0) { errno = rc; return -1; }
    return 0;
}

int roost_signalfd(const sigset_t *mask) {
    return signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int roost_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    for (;;) {
        ssize_t n = read(fd, &info, sizeof info);
        if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (n >= 0) errno = EIO;  // a signalfd never returns a partial record
        return -1;
    }
}

int roost_ignore_sigpipe(void) {
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &ign, NULL);
}

int roost_signal_limit(void) { return _NSIG; }

// MARK: process state

int roost_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int roost_rename_exchange(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
}

int roost_set_child_subreaper(int on) {
    return prctl(PR_SET_CHILD_SUBREAPER, on ? 1UL : 0UL, 0UL, 0UL, 0UL);
}

int roost_is_child_subreaper(void) {
    int value = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&value, 0UL, 0UL, 0UL) < 0) return -1;
    return value ? 1 : 0;
}

int roost_wexitstatus(int status) { return WEXITSTATUS(status); }
int roost_wifsignaled(int status) { return WIFSIGNALED(status); }
int roost_wtermsig(int status) { return WTERMSIG(status); }

// MARK: spawn
//
// We use vfork(): the parent is suspended until the child has called execve
// or _exit, so (1) spawning costs no page-table copy, and (2) when roost_spawn
// returns, the child already sits in its own process group with its final
// ids, and a signal sent to -pid reaches it (no setpgid race).
//
// The price: the child shares the parent's memory (including errno and the
// stack above this frame). So the child code below
//   - only calls async-signal-safe system-call wrappers,
//   - never returns from roost_spawn (it ends in execve or _exit),
//   - calls setgroups/setgid/setuid through raw syscall(): glibc's wrappers
//     would broadcast the id change to every thread of the *parent* (they
//     walk the shared thread list), which is wrong and may deadlock here,
//   - runs with every signal blocked until its dispositions are all reset to
//     SIG_DFL, so no handler of the parent can run on shared memory.

// Where the child reports the step that failed. It lives in roost_spawn's
// frame: with vfork the child writes the parent's memory, so the parent reads
// it as soon as vfork returns (glibc's posix_spawn does the same); a pipe would
// cost four system calls per spawn. Volatile: vfork returns twice, and the
// parent must read what the child stored, not a value cached before.
struct child_report {
    volatile int stage;
    volatile int error;
};

// Records (stage, errno) for the parent and exits.
__attribute__((noreturn))
static void child_fail(struct child_report *report, int stage) {
    report->error = errno;
    report->stage = stage;
    _exit(127);
}

// Returns an fd >= 3 for `fd` so that the dup2 calls onto 0, 1, 2 below can
// never overwrite a source that is still needed (only happens when roost
// itself was started with closed standard descriptors).
static int child_lift(int fd) {
    if (fd >= 0 && fd < 3) return fcntl(fd, F_DUPFD_CLOEXEC, 3);
    return fd;
}

// Makes every descriptor >= 3 close-on-exec, so the service inherits nothing
// but its stdio (our pipes' other ends, the signalfd, log files...).
static void child_cloexec_rest(void) {
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    // Kernels before 5.11: mark them one by one (bounded).
    struct rlimit limit;
    long top = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < (rlim_t)top) top = (long)limit.rlim_cur;
    for (long fd = 3; fd < top; fd++) (void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

__attribute__((noreturn))
static void child_main(const struct roost_spawn_request *req, struct child_report *report, const sigset_t *empty) {
    // Every signal is blocked (the parent blocked all before vfork): first make
    // every disposition SIG_DFL (SIG_IGN would otherwise survive execve).
    // Raw rt_sigaction: glibc's wrapper refuses signals 32 and 33 (reserved
    // for its threads), yet they can arrive ignored from whoever started us.
    // An all-zero kernel sigaction is SIG_DFL, no flags, empty mask on every
    // architecture. It fails harmlessly for SIGKILL and SIGSTOP.
    unsigned long zero_action[4] = { 0, 0, 0, 0 };
    for (int sig = 1; sig < _NSIG; sig++)
        (void)syscall(SYS_rt_sigaction, sig, zero_action, NULL, (size_t)(_NSIG / 8));

    if (req->new_session) {
        if (setsid() < 0) child_fail(report, ROOST_STAGE_SESSION);
    } else {
        if (setpgid(0, 0) < 0) child_fail(report, ROOST_STAGE_SESSION);
    }

    // Groups, then gid, then uid: after setuid we could no longer change them.
    if (req->set_groups && syscall(SYS_setgroups, (size_t)req->ngroups, req->groups) < 0)
        child_fail(report, ROOST_STAGE_GROUPS);
    if (req->set_gid && syscall(SYS_setgid, req->gid) < 0)
        child_fail(report, ROOST_STAGE_GID);
    if (req->set_uid && syscall(SYS_setuid, req->uid) < 0)
        child_fail(report, ROOST_STAGE_UID);

    // After the id change, so the directory must be usable by the service user.
    if (req->cwd && chdir(req->cwd) < 0) child_fail(report, ROOST_STAGE_CHDIR);

    int in = req->stdin_fd;
    if (in < 0) {
        in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in < 0) child_fail(report, ROOST_STAGE_STDIO);
    }
    in = child_lift(in);
    int out = child_lift(req->stdout_fd);
    int err = child_lift(req->stderr_fd);
    if (in < 0 || (req->stdout_fd >= 0 && out < 0) || (req->stderr_fd >= 0 && err < 0))
        child_fail(report, ROOST_STAGE_STDIO);
    // dup2 clears close-on-exec on the target; sources are >= 3 and close at exec.
    if (dup2(in, 0) < 0) child_fail(report, ROOST_STAGE_STDIO);
    if (out >= 0 && dup2(out, 1) < 0) child_fail(report, ROOST_STAGE_STDIO);
    if (err >= 0 && dup2(err, 2) < 0) child_fail(report, ROOST_STAGE_STDIO);

    child_cloexec_rest();

    // Dispositions are default now, so unblocking is safe.
    (void)sigprocmask(SIG_SETMASK, empty, NULL);
    execve(req->path, req->argv, req->envp);
    child_fail(report, ROOST_STAGE_EXEC);
}

pid_t roost_spawn(const struct roost_spawn_request *req, int *stage, int *error) {
    *stage = ROOST_STAGE_NONE;
    *error = 0;
    struct child_report report = { ROOST_STAGE_NONE, 0 };

    // Prepared here so the child only has to make system calls.
    sigset_t all, empty, saved;
    sigfillset(&all);
    sigemptyset(&empty);
    pthread_sigmask(SIG_SETMASK, &all, &saved);

    pid_t pid = vfork();
    if (pid == 0) child_main(req, &report, &empty);
    int fork_errno = errno;

    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (pid < 0) {
        *stage = ROOST_STAGE_FORK;
        *error = fork_errno;
        return -1;
    }
    // vfork has returned: the child has called execve successfully (the
    // report is untouched) or has stored its failure and exited.
    if (report.stage != ROOST_STAGE_NONE) {
        // The child never became the requested program and has already
        // exited 127. Reap exactly that pid here (the only waitpid outside the
        // Reaper): no caller knows it, and a stray "exit 127" would mislead.
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *stage = report.stage;
        *error = report.error;
        return -1;
    }
    return pid;
}

int roost_is_dynamically_linked(void) {
    // AT_BASE is where the kernel loaded the program interpreter; a static
    // executable has none.
    return getauxval(AT_BASE) != 0;
}

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

int roost_release_executable_pages(void) {
    // The executable's mappings (code, constants, Swift metadata, data) are
    // file pages: MADV_PAGEOUT unmaps them from this process, and one
    // touched again is mapped back from the page cache (or read again).
    // It reclaims and never discards: in the writable mapping, a page
    // roost wrote to is anonymous and is only swapped out, if swap exists.
    // (MADV_DONTNEED would discard those writes; measured on read-only
    // mappings it gave nothing back: later faults mapped whole cached
    // folios again.)
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = 0;
    FILE *maps = fopen("/proc/self/maps", "re");
    if (!maps) return -1;
    // All ranges first, then the madvise calls: parsing after a release
    // would fault the parser's pages straight back in.
    enum { max_ranges = 16 };
    unsigned long starts[max_ranges], ends[max_ranges];
    int count = 0;
    char line[4096 + 128];
    while (count < max_ranges && fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        int path_at = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end, &path_at) < 2 || path_at == 0) continue;
        char *path = line + path_at;
        path[strcspn(path, "\n")] = 0;
        if (strcmp(path, exe) != 0) continue;
        starts[count] = start;
        ends[count] = end;
        count++;
    }
    fclose(maps);
    int released = 0;
    for (int i = 0; i < count; i++) {
        if (madvise((void *)starts[i], ends[i] - starts[i], MADV_PAGEOUT) == 0) released++;
    }
    return released;
}
