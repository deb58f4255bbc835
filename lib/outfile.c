#include "outfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_in_place(dl_outfile *o, const char *path, dl_err *e)
{
    o->fd = open(path, O_WRONLY | O_CLOEXEC);
    if (o->fd < 0)
        return dl_fail_errno(e, "%s: cannot open for writing", path);
    if (!(o->path = strdup(path))) {
        close(o->fd);
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", path);
    }
    return 0;
}

/* ".NAME.XXXXXX" in the target's directory, so the rename stays on one file system. */
static int open_temporary(dl_outfile *o, const char *path, dl_err *e)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0, need = strlen(path) + 16;
    o->path = malloc(need);
    o->final = strdup(path);
    if (!o->path || !o->final) {
        free(o->path);
        free(o->final);
        o->path = o->final = NULL;
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", path);
    }
    snprintf(o->path, need, "%.*s.%s.XXXXXX", (int)dir_len, path, path + dir_len);
    o->fd = mkstemp(o->path);
    if (o->fd < 0) {
        dl_fail_errno(e, "%s: cannot create a temporary file beside it", path);
        free(o->path);
        free(o->final);
        o->path = o->final = NULL;
        return e->code;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(o->fd, 0666 & ~mask);
    return 0;
}

int dl_outfile_open(dl_outfile *o, const char *path, dl_err *e)
{
    struct stat st;
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return open_in_place(o, path, e);
    return open_temporary(o, path, e);
}

int dl_outfile_commit(dl_outfile *o, dl_err *e)
{
    int rc = 0;
    if (o->final && rename(o->path, o->final) != 0)
        rc = dl_fail_errno(e, "%s: cannot move the finished file into place", o->final);
    if (rc)
        unlink(o->path);
    free(o->path);
    free(o->final);
    o->path = o->final = NULL;
    return rc;
}

void dl_outfile_abort(dl_outfile *o)
{
    if (o->final && o->path)
        unlink(o->path);
    free(o->path);
    free(o->final);
    o->path = o->final = NULL;
}
