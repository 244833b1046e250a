/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_RTNL_H
#define KEEL_LINUX_RTNL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

/* A small rtnetlink client: the few link and address requests that
 * linux.netDevices needs (linux/netdev.h), no more.  Building and parsing
 * messages is pure (tests/unit/test-rtnl.c); keel_rtnl_call does the I/O.
 * Functions return 0 or a negative errno; the kernel's answer to a request
 * (its NLMSG_ERROR) comes back as that errno. */

/* A request under construction: the header, its fixed part and attributes,
 * in a caller's buffer. */
struct keel_rtnl_req {
        struct nlmsghdr *nlh;
        size_t cap;
};

/* A link as RTM_NEWLINK describes it. */
struct keel_rtnl_link {
        int index;
        unsigned int flags;             /* IFF_* */
        char name[IFNAMSIZ];
};

/* An interface address as RTM_NEWADDR describes it, with the attributes
 * that make it again (not its label, lifetimes or cache info). */
struct keel_rtnl_addr {
        uint8_t family;
        uint8_t prefixlen;
        uint8_t scope;
        uint32_t flags;                 /* IFA_FLAGS when present, else ifa_flags */
        int index;
        uint8_t local[16], address[16], broadcast[16];
        bool has_local, has_address, has_broadcast;
};

/* Start a request of type (RTM_*) in buf: header and a zeroed ifinfomsg
 * (link requests) or ifaddrmsg (address requests). -E2BIG when cap is too
 * small. */
int keel_rtnl_req_init(struct keel_rtnl_req *r, void *buf, size_t cap, uint16_t type,
                       uint16_t flags);

/* The fixed parts of a request started by keel_rtnl_req_init. */
struct ifinfomsg *keel_rtnl_req_link(struct keel_rtnl_req *r);
struct ifaddrmsg *keel_rtnl_req_ifa(struct keel_rtnl_req *r);

/* Append an attribute; -E2BIG when it does not fit. */
int keel_rtnl_put(struct keel_rtnl_req *r, uint16_t type, const void *data, size_t len);
int keel_rtnl_put_str(struct keel_rtnl_req *r, uint16_t type, const char *s);
int keel_rtnl_put_u32(struct keel_rtnl_req *r, uint16_t type, uint32_t v);

/* RTM_NEWADDR for a on interface index: the address, its prefix, scope, the
 * flags one may set (IFA_F_NODAD, NOPREFIXROUTE, ...), local, peer and
 * broadcast addresses. */
int keel_rtnl_req_addr(struct keel_rtnl_req *r, void *buf, size_t cap,
                       const struct keel_rtnl_addr *a, int index);

/* Parse one message of a reply. -EBADMSG when malformed, -ENOMSG when it is
 * not of that kind. */
int keel_rtnl_parse_link(const struct nlmsghdr *nlh, struct keel_rtnl_link *out);
int keel_rtnl_parse_addr(const struct nlmsghdr *nlh, struct keel_rtnl_addr *out);

/* The errno an NLMSG_ERROR carries, negative (0: an acknowledgement);
 * -EBADMSG when truncated. */
int keel_rtnl_error_of(const struct nlmsghdr *nlh);

/* A NETLINK_ROUTE socket in the caller's network namespace (close-on-exec). */
int keel_rtnl_open(void);

/* Send the request (its sequence number is set here, NLM_F_REQUEST added)
 * and read the answer: each RTM_* message goes to cb (when not NULL), until
 * an NLMSG_ERROR (its errno is the result) or, for a dump, NLMSG_DONE.
 * cb returns 0 to go on or a negative errno, which ends the call with it
 * once the answer has been read to its end. */
typedef int (*keel_rtnl_cb)(const struct nlmsghdr *nlh, void *data);
int keel_rtnl_call(int fd, struct keel_rtnl_req *r, keel_rtnl_cb cb, void *data);

#endif
