/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_NETDEV_H
#define KEEL_LINUX_NETDEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "linux/ns.h"
#include "linux/rtnl.h"
#include "spec/oci-config.h"

/* linux.netDevices (config-linux.md "Network Devices"): each named device of
 * the runtime's network namespace moves into the container's at create,
 * renamed to its `name`, keeps its permanent global addresses (the kernel
 * drops addresses on a move) and is set up there.  Then it is the
 * namespace's: keel never moves it out again (the spec's MUST NOT); when
 * the namespace dies the kernel destroys virtual devices and gives
 * physical ones to the initial namespace.  A create that fails moves every
 * device it moved back, with its name, addresses and up state.
 *
 * Through rtnetlink (linux/rtnl.h), from the runtime: the init, once in its
 * network namespace, sends a NETLINK_ROUTE socket of it (KEEL_SYNC_NET_DEVICES);
 * that socket also keeps the namespace alive until create is done. */

struct keel_netdev {
        const char *host_name;          /* the config's key */
        char target[IFNAMSIZ];          /* its name in the container (a %d template resolved) */
        bool target_is_template;
        int host_index;                 /* in the runtime's namespace, before the move */
        bool was_up;
        bool host_name_inside;          /* a device of the container had that name before */
        bool moved;
        struct keel_rtnl_addr *addrs;   /* its permanent addresses before the move */
        size_t n_addrs;
};

struct keel_netdevs {
        struct keel_netdev *dev;        /* one per entry, config order */
        size_t n;
        int csock;                      /* NETLINK_ROUTE in the container's namespace */
        int rsock;                      /* NETLINK_ROUTE in the runtime's */
};

#define KEEL_NETDEVS_INIT { .csock = -1, .rsock = -1 }

/* Before anything exists: refused by name, so nothing is made or moved.
 * The container needs a network namespace entry, rootless keel cannot
 * move devices, two entries may not take one name in the container, a
 * name with '%' must be a kernel template (one %d). */
int keel_netdev_check_config(const struct keel_linux *lx, bool rootless, struct keel_error **err);

/* With the namespace paths open: a joined network namespace that is the
 * runtime's own is refused (a device cannot move to where it is). */
int keel_netdev_check_plan(const struct keel_linux *lx, const struct keel_ns_plan *plan,
                           struct keel_error **err);

/* Every device exists in the runtime's network namespace. */
int keel_netdev_check_host(const struct keel_linux *lx, struct keel_error **err);

/* Move the devices into the network namespace of csock (a NETLINK_ROUTE
 * socket the init opened there; nd owns it from here).  Checked first,
 * before any moves: each device still exists, no name is taken inside.  On
 * failure every device that moved is back. */
int keel_netdev_move_in(struct keel_netdevs *nd, const struct keel_linux *lx, int csock,
                        struct keel_error **err);

/* The create failed after keel_netdev_move_in: each moved device goes back
 * to the runtime's namespace with its own name, addresses and up state
 * (problems are logged as warnings: the create's error is what counts). */
void keel_netdev_move_back(struct keel_netdevs *nd);

/* Close the sockets and free; devices stay where they are. */
void keel_netdev_release(struct keel_netdevs *nd);

/* ---- pure parts, exposed for tests/unit/test-rtnl.c ---------------------- */

/* Is name a kernel name template: one "%d", no other '%'? */
bool keel_netdev_is_template(const char *name);

/* The name the kernel gives a template: the lowest number not taken by
 * names[0..n).  -ENFILE when none fits in IFNAMSIZ, -EINVAL when not a
 * template. */
int keel_netdev_expand_template(const char *tmpl, char *const *names, size_t n,
                                char out[IFNAMSIZ]);

/* Addresses that move with a device (the spec: permanent, global scope). */
bool keel_netdev_addr_moves(const struct keel_rtnl_addr *a);

/* Addresses a failed create puts back: every permanent one, whatever its
 * scope (the kernel dropped them all at the move). */
bool keel_netdev_addr_restores(const struct keel_rtnl_addr *a);

#endif
