#include "tty.h"

#include <string.h>
#include <unistd.h>

int dl_tty_refuse_input(const char *path, const char *what, dl_err *e)
{
    if ((!path || strcmp(path, "-") == 0) && isatty(STDIN_FILENO))
        return dl_fail(e, DL_EUSAGE, "the input is a terminal: give FILE or pipe %s", what);
    return 0;
}
