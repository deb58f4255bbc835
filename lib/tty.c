#include "tty.h"

#include <string.h>
#include <unistd.h>

int dl_tty_refuse_input(const char *path, const char *what, dl_err *e)
{
    if ((!path || strcmp(path, "-") == 0) && isatty(STDIN_FILENO))
        return dl_fail(e, DL_EUSAGE, "the input is a terminal: give FILE or pipe %s", what);
    return 0;
}

int dl_tty_refuse_named_input(int fd, const char *label, const char *what, dl_err *e)
{
    if (isatty(fd))
        return dl_fail(e, DL_EUSAGE, "%s is a terminal: give a file or pipe %s", label, what);
    return 0;
}

int dl_tty_refuse_output(int fd, const char *label, const char *what, const char *hint,
                         dl_err *e)
{
    if (isatty(fd))
        return dl_fail(e, DL_EUSAGE, "%s is a terminal: refusing to write %s there; %s", label,
                       what, hint);
    return 0;
}
