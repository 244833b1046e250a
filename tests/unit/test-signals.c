/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "util/signals.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct good_case {
        const char *in;
        int want;
};

static const struct good_case goods[] = {
        { "0", 0 },                { "00", 0 },
        { "9", SIGKILL },          { "09", SIGKILL },         { "1", SIGHUP },
        { "15", SIGTERM },         { "64", 64 },              { "32", 32 },
        { "KILL", SIGKILL },       { "SIGKILL", SIGKILL },    { "kill", SIGKILL },
        { "sigkill", SIGKILL },    { "SigTerm", SIGTERM },    { "TERM", SIGTERM },
        { "HUP", SIGHUP },         { "INT", SIGINT },         { "QUIT", SIGQUIT },
        { "USR1", SIGUSR1 },       { "SIGUSR2", SIGUSR2 },    { "WINCH", SIGWINCH },
        { "STOP", SIGSTOP },       { "CONT", SIGCONT },       { "SIGSTKFLT", 16 },
        { "PWR", SIGPWR },         { "SYS", SIGSYS },         { "IOT", SIGABRT },
        { "SIGCLD", SIGCHLD },     { "POLL", SIGIO },         { "IO", SIGIO },
        { "RTMIN", 34 },           { "SIGRTMIN", 34 },        { "RTMIN+3", 37 },
        { "SIGRTMIN+3", 37 },      { "rtmin+0", 34 },         { "SIGRTMIN+30", 64 },
        { "RTMAX", 64 },           { "SIGRTMAX", 64 },        { "RTMAX-1", 63 },
        { "sigrtmax-30", 34 },     { "SIGRTMAX-14", 50 },
};

struct bad_case {
        const char *in;
        const char *msg;
};

static const struct bad_case bads[] = {
        { "", "signal must not be empty" },
        { "65", "signal 65 is out of range (signals are 1 to 64, and 0 to check that the process exists)" },
        { "99999999999999999999", "signal 99999999999999999999 is out of range (signals are 1 to 64, "
          "and 0 to check that the process exists)" },
        { "-9", "unknown signal \"-9\"" },
        { "+9", "unknown signal \"+9\"" },
        { "9x", "unknown signal \"9x\"" },
        { " 9", "unknown signal \" 9\"" },
        { "9 ", "unknown signal \"9 \"" },
        { "FOO", "unknown signal \"FOO\"" },
        { "SIG", "unknown signal \"SIG\"" },
        { "SIG9", "unknown signal \"SIG9\"" },
        { "SIGSIGKILL", "unknown signal \"SIGSIGKILL\"" },
        { "KILL ", "unknown signal \"KILL \"" },
        { "RTMIN-1", "unknown signal \"RTMIN-1\"" },
        { "RTMAX+1", "unknown signal \"RTMAX+1\"" },
        { "RTMIN+", "unknown signal \"RTMIN+\"" },
        { "RTMIN+x", "unknown signal \"RTMIN+x\"" },
        { "RTMIN++1", "unknown signal \"RTMIN++1\"" },
        { "RTMIN+31", "signal \"RTMIN+31\" is out of range (real-time signals are SIGRTMIN to SIGRTMAX, 34 to 64)" },
        { "SIGRTMAX-31", "signal \"SIGRTMAX-31\" is out of range (real-time signals are SIGRTMIN to SIGRTMAX, 34 to 64)" },
        { "RTMIN+99999999999", "signal \"RTMIN+99999999999\" is out of range (real-time signals are SIGRTMIN to SIGRTMAX, 34 to 64)" },
};

static void accepted_spellings(void)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(goods); i++) {
                struct keel_error *err = NULL;
                int signo = -1;
                int ret = keel_signal_parse(goods[i].in, &signo, &err);

                tap_ok(ret == 0 && signo == goods[i].want, "signal_accepted: \"%s\" is %d",
                       goods[i].in, goods[i].want);
                if (ret != 0 || signo != goods[i].want)
                        tap_diag("ret %d signo %d err %s", ret, signo, err ? err->msg : "(none)");
                keel_error_free(err);
        }
}

static void rejected_spellings(void)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(bads); i++) {
                struct keel_error *err = NULL;
                char name[96];
                int signo = -1;
                int ret = keel_signal_parse(bads[i].in, &signo, &err);

                tap_ok(ret == -EINVAL && signo == 0, "signal_rejected: \"%s\"", bads[i].in);
                snprintf(name, sizeof(name), "signal_rejection_message: \"%s\"", bads[i].in);
                tap_is_str(err ? err->msg : NULL, bads[i].msg, name);
                keel_error_free(err);
        }
        {
                int signo = -1;

                tap_ok(keel_signal_parse(NULL, &signo, NULL) == -EINVAL && signo == 0,
                       "signal_null_is_rejected");
        }
}

static void names_of_numbers(void)
{
        static const struct {
                int signo;
                const char *name;
        } names[] = {
                { SIGHUP, "SIGHUP" },   { SIGKILL, "SIGKILL" },     { SIGTERM, "SIGTERM" },
                { SIGABRT, "SIGABRT" }, { SIGCHLD, "SIGCHLD" },     { SIGIO, "SIGIO" },
                { SIGSYS, "SIGSYS" },   { 34, "SIGRTMIN" },         { 37, "SIGRTMIN+3" },
                { 49, "SIGRTMIN+15" },  { 50, "SIGRTMAX-14" },      { 63, "SIGRTMAX-1" },
                { 64, "SIGRTMAX" },     { 0, NULL },                { 32, NULL },
                { 33, NULL },           { 65, NULL },               { -1, NULL },
        };
        size_t i;
        int signo, bad = 0;

        for (i = 0; i < ARRAY_SIZE(names); i++) {
                char name[64];

                snprintf(name, sizeof(name), "signal_name_of_%d", names[i].signo);
                tap_is_str(keel_signal_name(names[i].signo), names[i].name, name);
        }

        /* Every name keel prints parses back to its number. */
        for (signo = 1; signo <= KEEL_SIGNAL_MAX; signo++) {
                const char *name = keel_signal_name(signo);
                int back = -1;

                if (name == NULL)
                        continue;
                if (keel_signal_parse(name, &back, NULL) != 0 || back != signo) {
                        tap_diag("%s parses to %d, not %d", name, back, signo);
                        bad++;
                }
                if (keel_signal_parse(name + 3, &back, NULL) != 0 || back != signo) {
                        tap_diag("%s parses to %d, not %d", name + 3, back, signo);
                        bad++;
                }
        }
        tap_is_int(bad, 0, "signal_names_round_trip");

        /* The numbering matches this machine's libc where both define it. */
        tap_is_int(SIGRTMIN, KEEL_SIGRTMIN, "sigrtmin_matches_libc");
        tap_is_int(SIGRTMAX, KEEL_SIGRTMAX, "sigrtmax_matches_libc");
}

static void on_usr2(int sig)
{
        (void) sig;
}

/* What a caller or keel's relay may leave: ignored, caught and blocked
 * signals, a real-time one among them; all back to the default, none
 * blocked. */
static void reset_leaves_nothing_ignored_caught_or_blocked(void)
{
        struct sigaction ign = { .sa_handler = SIG_IGN }, catch = { .sa_handler = on_usr2 }, cur;
        sigset_t set;
        bool ok = true;

        sigaction(SIGHUP, &ign, NULL);
        sigaction(SIGTERM, &ign, NULL);
        sigaction(SIGCHLD, &ign, NULL);
        sigaction(SIGRTMIN + 3, &ign, NULL);
        sigaction(SIGUSR2, &catch, NULL);
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGWINCH);
        sigaddset(&set, SIGRTMAX);
        sigprocmask(SIG_BLOCK, &set, NULL);

        keel_signals_reset();

        for (int sig = 1; sig <= KEEL_SIGNAL_MAX; sig++) {
                if (sig == 32 || sig == 33 || sigaction(sig, NULL, &cur) < 0)
                        continue;
                if (cur.sa_handler != SIG_DFL) {
                        tap_diag("signal %d: not SIG_DFL", sig);
                        ok = false;
                }
        }
        sigprocmask(SIG_SETMASK, NULL, &set);
        for (int sig = 1; sig <= KEEL_SIGNAL_MAX; sig++) {
                if (sig != 32 && sig != 33 && sigismember(&set, sig) == 1) {
                        tap_diag("signal %d: still blocked", sig);
                        ok = false;
                }
        }
        tap_ok(ok, "reset_leaves_nothing_ignored_caught_or_blocked");
}

int main(void)
{
        accepted_spellings();
        rejected_spellings();
        names_of_numbers();
        reset_leaves_nothing_ignored_caught_or_blocked();
        return tap_done();
}
