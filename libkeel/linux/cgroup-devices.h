/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_CGROUP_DEVICES_H
#define KEEL_LINUX_CGROUP_DEVICES_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec/oci-config.h"

/* linux.resources.devices as a BPF_PROG_TYPE_CGROUP_DEVICE program: cgroup
 * v2 has no devices.allow/devices.deny files, the kernel asks an eBPF
 * program attached to the cgroup instead (struct bpf_cgroup_dev_ctx: device
 * type, major, minor and the access bits requested; 1 allows, 0 denies).
 *
 * How a request is decided (config-linux.md "Allowed Device List", the
 * semantics runc and crun give it):
 *  - A rule matches a device when its type matches ('a' matches block and
 *    char) and its major and minor match (absent or -1: any).
 *  - The LAST matching rule wins, for each access bit on its own: a request
 *    is allowed when every bit it asks for (r, w, m) is granted by the last
 *    matching rule holding that bit.  So open(O_RDWR) of a device whose "w"
 *    is denied by a later rule fails, and "allow r" + "allow w" allow
 *    O_RDWR.  (crun's program only matches a rule, allow or deny, whose
 *    access holds every requested bit, so there a later "deny w" does not
 *    stop O_RDWR; the kernel's own cgroup v1 list did stop it.)  A request
 *    for no access bit at all (the kernel sends one for access(X_OK)) is
 *    decided by the last rule matching the device, whatever its access, as
 *    in runc and crun.
 *  - No matching rule: denied.
 *  - access NULL means "rwm"; "" grants nothing.  A type 'a' rule keeps its
 *    major, minor and access (runc's emulator treats any 'a' rule as "all
 *    devices, all access"; engines only ever send 'a' with "rwm" and no
 *    numbers, where both readings agree).
 *
 * The config's list is followed by keel's default rules (below), so they
 * win over anything the config says, as in runc and crun: engines send
 * "deny a rwm" first and rely on the runtime for /dev/null and the ptys. */

/* keel's default rules, appended after the config's list, in this order:
 *   c *:* m   b *:* m       mknod of any device (what runc and crun allow;
 *                           CAP_MKNOD still decides whether mknod works)
 *   c 1:3 rwm  /dev/null    c 1:5 rwm  /dev/zero     c 1:7 rwm  /dev/full
 *   c 1:8 rwm  /dev/random  c 1:9 rwm  /dev/urandom  c 5:0 rwm  /dev/tty
 *   c 5:1 rwm  /dev/console c 5:2 rwm  /dev/ptmx     c 136:* rwm /dev/pts/N
 *   c 10:200 rwm /dev/net/tun
 * These are the devices config-linux.md "Default Devices" has the runtime
 * create, plus the pty pair, and /dev/net/tun, which runc allows for
 * Docker's sake (the unit test default_rules_are_runcs_list). */
size_t keel_devices_default_rules(const struct keel_device_cgroup **rules);

/* Compile exactly rules[0..n) (no defaults added) into *insns (malloc'd,
 * *n_insns instructions).  Every instruction is reachable and every jump
 * goes forward, as the verifier requires.  Fails (-EINVAL) on a rule the
 * kernel could never see: a type other than a/b/c, a major or minor below
 * -1 or above INT32_MAX, access letters other than r, w, m. */
int keel_devices_compile(const struct keel_device_cgroup *rules, size_t n, struct bpf_insn **insns,
                         size_t *n_insns, struct keel_error **err);

/* BPF_PROG_LOAD the program as BPF_PROG_TYPE_CGROUP_DEVICE; *prog_fd is
 * O_CLOEXEC.  It calls no helper, so the license string is free (the kernel
 * only checks it for GPL-only helpers); RLIMIT_MEMLOCK is left alone (BPF
 * memory is charged to the memory cgroup since Linux 5.11).  A verifier
 * rejection carries the verifier's last message. */
int keel_devices_load(const struct bpf_insn *insns, size_t n_insns, int *prog_fd,
                      struct keel_error **err);

/* Attach prog_fd to the cgroup directory cgroup_fd (BPF_CGROUP_DEVICE,
 * BPF_F_ALLOW_MULTI), then detach the device programs that were attached
 * to that cgroup before, so a reused cgroup ends up with this program only
 * and there is no moment without a filter.  A program attached there
 * already (shared, keel_devices_reuse) is left attached.  The attachment holds the
 * program: prog_fd may be closed afterwards. */
int keel_devices_attach(int cgroup_fd, int prog_fd, struct keel_error **err);

/* A loaded program in place of a new load: *prog_fd (O_CLOEXEC) is the
 * program of id `id` when the kernel holds it as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program whose instructions, as the verifier
 * left them (BPF_OBJ_GET_INFO_BY_FD's xlated_prog_insns), are exactly
 * insns: the program keel_devices_load would load.  -1 otherwise (no such
 * id, freed, another type, other instructions, a kernel that rewrote
 * them), and then the caller loads its own.  The programs keep no state
 * (no map), so containers sharing one behave as with one each; the id is
 * only a hint (ids are reused once freed), the check is what decides.
 * Needs CAP_SYS_ADMIN, as the load does. */
int keel_devices_reuse(uint32_t id, const struct bpf_insn *insns, size_t n_insns, int *prog_fd);

/* The kernel's id of a loaded program, 0 when it cannot tell. */
uint32_t keel_devices_prog_id(int prog_fd);

#endif
