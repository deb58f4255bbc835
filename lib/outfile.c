#include "outfile.h"

#include "buf.h"
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* /dev/stdout, /dev/fd/N, /proc/self/fd/N: names of an open descriptor,
 * which may look like a regular file but are links the system owns. */
static int is_descriptor_alias(const char *path)
{
    char target[8];
    ssize_t n = readlink(path, target, sizeof target);
    if (n >= 6 && memcmp(target, "/proc/", 6) == 0)
        return 1;
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real[PATH_MAX];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    return realpath(dir, real) && strncmp(real, "/proc/", 6) == 0;
}

/* The directory of path ("." for a bare name); 0 when it does not fit. */
static int dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    int n = slash ? snprintf(dir, len, "%.*s", slash == path ? 1 : (int)(slash - path), path)
                  : snprintf(dir, len, ".");
    return n >= 0 && (size_t)n < len;
}

/* The descriptor of this process that a descriptor alias names (3 for
 * /dev/fd/3, 1 for /dev/stdout and a link to /proc/self/fd/1), else -1. */
static int alias_descriptor(const char *path)
{
    char name[PATH_MAX], dir[PATH_MAX], real[PATH_MAX];
    ssize_t n = readlink(path, name, sizeof name - 1);
    if (n >= 6 && memcmp(name, "/proc/", 6) == 0) {
        name[n] = '\0';
    } else {
        const char *slash = strrchr(path, '/');
        if (!slash || !dir_of(path, dir, sizeof dir) || !realpath(dir, real))
            return -1;
        snprintf(name, sizeof name, "%s%s", real, slash);
    }
    char self[32];
    int fd, end = 0;
    snprintf(self, sizeof self, "%ld", (long)getpid());
    if (sscanf(name, "/proc/self/fd/%d%n", &fd, &end) != 1 || name[end]) {
        size_t len = strlen(self);
        end = 0;
        if (strncmp(name, "/proc/", 6) != 0 || strncmp(name + 6, self, len) != 0 ||
            sscanf(name + 6 + len, "/fd/%d%n", &fd, &end) != 1 || name[6 + len + end])
            return -1;
    }
    return fd;
}

/* The access mode of descriptor fd (O_RDONLY, O_WRONLY or O_RDWR), -1 when
 * it is not open. */
static int access_mode(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : flags & O_ACCMODE;
}

/* Whether path names a descriptor of ours open for reading only. */
static int read_only_alias(const char *path)
{
    int alias = alias_descriptor(path);
    return alias >= 0 && access_mode(alias) == O_RDONLY;
}

int dl_outfile_check_fd(int fd, const char *label, dl_err *e)
{
    int mode = access_mode(fd);
    if (mode == O_WRONLY || mode == O_RDWR)
        return 0;
    errno = EBADF; /* what the first write would fail with */
    return dl_fail_errno(e, "%s: not open for writing", label);
}

static int open_in_place(dl_outfile *o, const char *path, int truncate, dl_err *e)
{
    /* A descriptor not open for writing cannot take the output, whatever
     * reopening its name would do: a standard output closed when the tool
     * started holds /dev/null open for reading (cli_start), which its name
     * would open for writing, losing every byte without an error. */
    if (read_only_alias(path)) {
        errno = EBADF;
        return dl_fail_errno(e, "%s: cannot open for writing", path);
    }
    o->fd = open(path, O_WRONLY | O_CLOEXEC | (truncate ? O_TRUNC : 0));
    if (o->fd < 0)
        return dl_fail_errno(e, "%s: cannot open for writing", path);
    if (!(o->path = strdup(path))) {
        close(o->fd);
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", path);
    }
    return 0;
}

/* The replaced file's permission bits, owner and group (each where the
 * system allows: only root may give a file away), else the umask's. */
static void set_mode(int fd, const struct stat *old)
{
    if (old) {
        if (fchown(fd, old->st_uid, old->st_gid) != 0)
            (void)!fchown(fd, (uid_t)-1, old->st_gid);
        (void)fchmod(fd, old->st_mode & 0777);
        return;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
}

/* Frees o's names; a temporary's is no longer the signal handler's. */
static void finish(dl_outfile *o)
{
    if (o->final && !o->unmade)
        sig_release_temporary(o->path);
    free(o->path);
    free(o->final);
    free(o->backup);
    o->path = o->final = o->backup = NULL;
    o->unmade = 0;
}

/* The bytes of a name kept in its temporary ".NAME.XXXXXX": all of them
 * when the temporary, and the backup "~" after it (keep_previous), fit in
 * NAME_MAX, else the first ones that do, cut where a UTF-8 character
 * starts, so that any name that fits gets a temporary that fits too.  A
 * name too long itself is kept whole: its temporary fails at once. */
static size_t kept_stem(const char *name)
{
    const size_t room = NAME_MAX - (sizeof ".." - 1) - (sizeof "XXXXXX" - 1) - 1;
    size_t len = strlen(name);
    return len <= room || len > NAME_MAX ? len : dl_str_cut(name, room);
}

int dl_outfile_named(const char *path, dl_err *e)
{
    /* "" would get the temporary "./.XXXXXX", which no rename can put in place */
    return *path ? 0 : dl_fail(e, DL_EIO, "an output file's name is empty");
}

/* The names of a temporary ".NAME.XXXXXX" in the target's directory, so the
 * rename stays on one file system, and of the backup "~" after it
 * (keep_previous), allocated at once: committing allocates nothing. */
static int name_temporary(dl_outfile *o, const char *path, dl_err *e)
{
    if (dl_outfile_named(path, e))
        return e->code;
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0, need = strlen(path) + 16;
    o->path = malloc(need);
    o->backup = malloc(need + 1);
    o->final = strdup(path);
    if (!o->path || !o->backup || !o->final) {
        finish(o);
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", path);
    }
    snprintf(o->path, need, "%.*s.%.*s.XXXXXX", (int)dir_len, path,
             (int)kept_stem(path + dir_len), path + dir_len);
    o->unmade = 1;
    return 0;
}

/* Makes the temporary named by name_temporary. */
static int make_temporary(dl_outfile *o, const struct stat *old, dl_err *e)
{
    if (sig_create_temporary(o->path, &o->fd, e)) /* a signal removes it from now on */
        return dl_err_wrap(e, "%s", o->final);
    o->unmade = 0;
    set_mode(o->fd, old);
    return 0;
}

static int open_temporary(dl_outfile *o, const char *path, const struct stat *old, dl_err *e)
{
    if (name_temporary(o, path, e))
        return e->code;
    if (make_temporary(o, old, e)) {
        finish(o); /* nothing was listed: releasing finds nothing */
        return e->code;
    }
    return 0;
}

/* Whether path is written in place; *exists and st say what stat found. */
static int in_place(const char *path, struct stat *st, int *exists)
{
    *exists = stat(path, st) == 0;
    return (*exists && !S_ISREG(st->st_mode)) || is_descriptor_alias(path);
}

/* What an output written in place writes to (st): standard output for
 * NULL, or the existing device, FIFO or descriptor's file that path names;
 * 0 for a path that a temporary replaces. */
static int in_place_target(const char *path, struct stat *st)
{
    int exists;
    if (!path)
        return fstat(STDOUT_FILENO, st) == 0;
    return in_place(path, st, &exists) && exists;
}

int dl_outfile_same(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a && !b)
        return 1;
    int place_a = in_place_target(a, &sa), place_b = in_place_target(b, &sb);
    /* One pipe, FIFO or file written by both: their writes would run into
     * one another.  A character device (/dev/null) takes each on its own;
     * a standard output that fstat cannot see (closed) is no entry either. */
    if (place_a || place_b || !a || !b)
        return place_a && place_b && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
               !S_ISCHR(sa.st_mode);
    const char *base_a = strrchr(a, '/'), *base_b = strrchr(b, '/');
    if (strcmp(base_a ? base_a + 1 : a, base_b ? base_b + 1 : b) != 0)
        return 0;
    char dir_a[PATH_MAX], dir_b[PATH_MAX];
    if (!dir_of(a, dir_a, sizeof dir_a) || !dir_of(b, dir_b, sizeof dir_b))
        return strcmp(a, b) == 0;
    if (stat(dir_a, &sa) != 0 || stat(dir_b, &sb) != 0)
        return strcmp(dir_a, dir_b) == 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The regular file a path names (NULL: the descriptor fd), following links. */
static int regular_file(const char *path, int fd, struct stat *st)
{
    return (path ? stat(path, st) : fstat(fd, st)) == 0 && S_ISREG(st->st_mode);
}

int dl_outfile_is_input(const char *output, const char *input)
{
    struct stat out, in;
    if (output && strcmp(output, "-") == 0)
        output = NULL;
    /* no output at all: opening it is refused, with its own message */
    if (output && read_only_alias(output))
        return 0;
    if (input && strcmp(input, "-") == 0)
        input = NULL;
    return regular_file(output, STDOUT_FILENO, &out) && regular_file(input, STDIN_FILENO, &in) &&
           out.st_dev == in.st_dev && out.st_ino == in.st_ino;
}

/* "WHAT 'path'", or the standard stream's name for NULL. */
static void name_file(char *label, size_t len, const char *what, const char *path,
                      const char *stream)
{
    if (path)
        snprintf(label, len, "%s '%s'", what, path);
    else
        snprintf(label, len, "%s", stream);
}

int dl_outfile_not_input(const char *out_what, const char *output, const char *in_what,
                         const char *input, dl_err *e)
{
    if (!dl_outfile_is_input(output, input))
        return 0;
    char out[PATH_MAX + 64], in[PATH_MAX + 64];
    name_file(out, sizeof out, out_what, output && strcmp(output, "-") != 0 ? output : NULL,
              "standard output");
    name_file(in, sizeof in, in_what, input && strcmp(input, "-") != 0 ? input : NULL,
              "standard input");
    return dl_fail(e, DL_EUSAGE, "%s is the same file as %s: write the output elsewhere", out,
                   in);
}

int dl_outfile_prepare(dl_outfile *o, const char *path, dl_err *e)
{
    struct stat st;
    int exists;
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (in_place(path, &st, &exists))
        return open_in_place(o, path, exists && S_ISREG(st.st_mode), e);
    return name_temporary(o, path, e);
}

int dl_outfile_create(dl_outfile *o, dl_err *e)
{
    if (!o->unmade)
        return 0;
    struct stat st; /* the file replaced, as it is now */
    return make_temporary(o, stat(o->final, &st) == 0 ? &st : NULL, e);
}

int dl_outfile_open(dl_outfile *o, const char *path, dl_err *e)
{
    if (dl_outfile_prepare(o, path, e))
        return e->code;
    if (dl_outfile_create(o, e)) {
        finish(o); /* nothing was listed: releasing finds nothing */
        return e->code;
    }
    return 0;
}

int dl_outfile_check(const char *path, int *in_place_out, dl_err *e)
{
    struct stat st;
    int exists;
    if ((*in_place_out = in_place(path, &st, &exists)))
        return 0;
    dl_outfile o;
    memset(&o, 0, sizeof o);
    if (open_temporary(&o, path, NULL, e))
        return e->code;
    close(o.fd);
    dl_outfile_abort(&o);
    return 0;
}

/* A hard link to the file about to be replaced (the link itself when it
 * is a symbolic link), so that it can be put back: *backup stays NULL when
 * there is no such file. */
static int keep_previous(const dl_outfile *o, char **backup, dl_err *e)
{
    *backup = o->backup; /* room for the temporary's name and "~" */
    snprintf(*backup, strlen(o->path) + 2, "%s~", o->path);
    if (sig_hold_temporary(*backup, e)) {
        *backup = NULL;
        return e->code;
    }
    if (linkat(AT_FDCWD, o->final, AT_FDCWD, *backup, 0) == 0)
        return 0;
    sig_release_temporary(*backup);
    *backup = NULL;
    if (errno == ENOENT)
        return 0;
    return dl_fail_errno(e, "%s: cannot keep the previous file while replacing it", o->final);
}

/* A directory that a group of outputs is moved into, held locked. */
typedef struct dir_lock {
    int fd; /* open on the directory, -1 when not locked */
    dev_t dev;
    ino_t ino;
} dir_lock;

static int dir_lock_order(const void *pa, const void *pb)
{
    const dir_lock *a = pa, *b = pb;
    if (a->dev != b->dev)
        return a->dev < b->dev ? -1 : 1;
    return a->ino < b->ino ? -1 : a->ino > b->ino;
}

/* Whether the count directories of lock hold the one st describes. */
static int dir_listed(const dir_lock *lock, size_t count, const struct stat *st)
{
    for (size_t k = 0; k < count; k++)
        if (lock[k].dev == st->st_dev && lock[k].ino == st->st_ino)
            return 1;
    return 0;
}

/* Opens each distinct directory of the n entries' targets (room for n in
 * lock), told apart by device and inode, into lock sorted by them: *count
 * of them.  One that cannot be opened (writable but not readable) is left
 * out: its files move unlocked. */
static void open_target_dirs(dl_outfile *const *o, size_t n, dir_lock *lock, size_t *count)
{
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        char dir[PATH_MAX];
        struct stat st;
        if (!o[i]->final || !dir_of(o[i]->final, dir, sizeof dir))
            continue;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (fstat(fd, &st) != 0 || dir_listed(lock, *count, &st)) {
            close(fd);
            continue;
        }
        lock[(*count)++] = (dir_lock){fd, st.st_dev, st.st_ino};
    }
    qsort(lock, *count, sizeof *lock, dir_lock_order);
}

/* Two commands moving groups of outputs into the same directories at once
 * (two dl-tensor split writing one pair) would interleave their renames,
 * leaving one file of each: each group is moved with an exclusive flock(2)
 * held on every directory it goes into, taken in the order of their device
 * and inode, so that two groups sharing directories cannot each hold one
 * the other waits for.  It is advisory: it orders dl tools, not other
 * programs.
 * Where a file system has no flock (NFS, which emulates it with a byte
 * range lock that a directory open for reading cannot take: EBADF; ENOLCK
 * without a lock daemon; Lustre without -o flock), the directory is not
 * locked and its files move as they would without this: one run's group
 * is still all in place or all as it was, but two at once may mix.  The
 * wait is with the signals unblocked, so that a signal ends the process
 * as it would anywhere else, before anything moved (one that a long job
 * defers resumes the wait). */
static void lock_target_dirs(dl_outfile *const *o, size_t n, dir_lock *lock, size_t *count)
{
    open_target_dirs(o, n, lock, count);
    for (size_t k = 0; k < *count; k++) {
        int rc;
        while ((rc = flock(lock[k].fd, LOCK_EX)) != 0 && errno == EINTR)
            continue;
        if (rc != 0) {
            close(lock[k].fd);
            lock[k].fd = -1;
        }
    }
}

static void unlock_target_dirs(dir_lock *lock, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (lock[k].fd >= 0)
            close(lock[k].fd); /* the lock goes with the one descriptor that held it */
}

int dl_outfile_commit_all(dl_outfile *const *o, size_t n, dl_err *e)
{
    size_t last = n, done = n, moved = 0; /* the entries before done were renamed */
    for (size_t i = 0; i < n; i++)
        if (o[i]->final) {
            last = i;
            moved++;
        }
    /* Committing is the last step of a run that succeeded: it allocates
     * nothing for the usual few files, so it cannot fail for memory after an
     * earlier file of the same run is already in place. */
    char *few[8] = {0};
    dir_lock few_dirs[8];
    char **backup = n <= 8 ? few : calloc(n, sizeof *backup);
    dir_lock *dirs = n <= 8 ? few_dirs : malloc(n * sizeof *dirs);
    size_t ndirs = 0;
    /* One file's rename is atomic itself: only a group needs the lock. */
    if (moved > 1 && backup && dirs)
        lock_target_dirs(o, n, dirs, &ndirs);
    /* A signal between two renames would end the process with some files
     * new and the others old: it waits until every file is in place, or
     * every path is as it was. */
    sigset_t unblocked;
    sig_block(&unblocked);
    int rc = backup && dirs ? 0 : dl_fail(e, DL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        if (!o[i]->final)
            continue;
        if (i != last && keep_previous(o[i], &backup[i], e))
            rc = e->code;
        else if (rename(o[i]->path, o[i]->final) != 0)
            rc = dl_fail_errno(e, "%s: cannot move the finished file into place", o[i]->final);
        if (rc)
            done = i;
    }
    if (!backup || !dirs)
        done = 0;
    for (size_t i = done; rc && i-- > 0;) { /* undo, newest first */
        if (!o[i]->final)
            continue;
        if (backup[i] ? rename(backup[i], o[i]->final) == 0 : unlink(o[i]->final) == 0) {
            sig_release_temporary(backup[i]);
            backup[i] = NULL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (backup && backup[i]) {
            unlink(backup[i]);
            sig_release_temporary(backup[i]);
        }
        if (rc && o[i]->final && i >= done)
            unlink(o[i]->path); /* not renamed: still the temporary */
        finish(o[i]);
    }
    unlock_target_dirs(dirs, ndirs);
    if (backup != few)
        free(backup);
    if (dirs != few_dirs)
        free(dirs);
    sig_unblock(&unblocked);
    return rc;
}

int dl_outfile_commit(dl_outfile *o, dl_err *e) { return dl_outfile_commit_all(&o, 1, e); }

void dl_outfile_abort(dl_outfile *o)
{
    if (o->final && o->path && !o->unmade)
        unlink(o->path);
    finish(o);
}

/* The name a write error gives: the target, not its temporary. */
static const char *target(const dl_outfile *o) { return o->final ? o->final : o->path; }

int dl_outfile_write(const dl_outfile *o, const void *data, size_t n, dl_err *e)
{
    const char *p = data;
    while (n > 0) {
        ssize_t put = write(o->fd, p, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return dl_fail_errno(e, "%s: write failed", target(o));
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

int dl_outfile_close(dl_outfile *o, int keep, dl_err *e)
{
    int failed = close(o->fd) != 0;
    o->fd = -1;
    if (!keep) {
        dl_outfile_abort(o);
        return 0;
    }
    if (failed) {
        int rc = dl_fail_errno(e, "%s: write failed", target(o));
        dl_outfile_abort(o);
        return rc;
    }
    return dl_outfile_commit(o, e);
}

int dl_outfile_fopen(dl_outfile *o, const char *path, FILE **f, dl_err *e)
{
    *f = NULL;
    if (dl_outfile_open(o, path, e))
        return e->code;
    if (!(*f = fdopen(o->fd, "wb"))) {
        int rc = dl_fail_errno(e, "%s: cannot open for writing", path);
        close(o->fd);
        dl_outfile_abort(o);
        return rc;
    }
    return 0;
}

int dl_outfile_fclose_pending(dl_outfile *o, FILE *f, dl_err *e)
{
    int rc = 0;
    if (fflush(f) != 0 || ferror(f))
        rc = dl_fail_errno(e, "%s: write failed", target(o));
    if (fclose(f) != 0 && !rc)
        rc = dl_fail_errno(e, "%s: write failed", target(o));
    if (rc)
        dl_outfile_abort(o);
    return rc;
}

int dl_outfile_fclose(dl_outfile *o, FILE *f, int keep, dl_err *e)
{
    if (keep)
        return dl_outfile_fclose_pending(o, f, e) ? e->code : dl_outfile_commit(o, e);
    fclose(f);
    dl_outfile_abort(o);
    return 0;
}

const char *dl_outfile_temp_dir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

int dl_outfile_temp(int *fd, const char *what, dl_err *e)
{
    *fd = -1;
    const char *dir = dl_outfile_temp_dir();
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/dl-XXXXXX", dir) >= (int)sizeof path)
        return dl_fail(e, DL_EIO, "TMPDIR: too long a directory name for %s", what);
    if (sig_create_temporary(path, fd, e))
        return dl_err_wrap(e, "%s: %s", dir, what);
    unlink(path);
    sig_release_temporary(path);
    return 0;
}
