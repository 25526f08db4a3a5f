/*
 * Stopping a training run on request: a flag the run loop checks before each
 * step (mg_trainer_run checkpoints and returns MG_ERR_INTERRUPTED), and the
 * SIGINT/SIGTERM handlers that set it. The library never installs the
 * handlers itself: a program asks for them with mg_train_catch_signals (the
 * memgen CLI does for `train` and `reproduce`).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "train_internal.h"

/* The stop request, process-wide (set from a signal handler or any thread). */
static volatile sig_atomic_t g_stop = 0;

/* Signal handler: only sets the flag (async-signal-safe). */
static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

/* Installs the SIGINT/SIGTERM handlers. */
mg_status mg_train_catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
        return mg_fail(MG_ERR_IO, "cannot install signal handlers: %s", strerror(errno));
    return MG_OK;
}

/* Request, clear and query a stop. */
void mg_train_request_stop(void) { g_stop = 1; }
void mg_train_clear_stop(void) { g_stop = 0; }
int mg_train_stop_requested(void) { return g_stop != 0; }
