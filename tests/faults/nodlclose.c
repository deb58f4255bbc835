/* nodlclose.c - an LD_PRELOAD shim for the MPI tests under ASan: dlclose
 * does nothing, so the Open MPI components unloaded at MPI_Finalize stay
 * mapped and LeakSanitizer can name them in its report, where
 * tests/lsan-openmpi.supp suppresses their own leaks by library (without it
 * their frames are "<unknown module>" and cannot be told from ours). */
int dlclose(void *handle);
int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
