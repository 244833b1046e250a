/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "linux/rtnl.h"

/* The address flags a request may carry (the kernel sets the others:
 * permanent, secondary, tentative, ...). */
#define SETTABLE_IFA_FLAGS (IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | \
                            IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN)

static size_t body_size(uint16_t type)
{
        switch (type) {
        case RTM_NEWADDR:
        case RTM_DELADDR:
        case RTM_GETADDR:
                return sizeof(struct ifaddrmsg);
        default:
                return sizeof(struct ifinfomsg);
        }
}

int keel_rtnl_req_init(struct keel_rtnl_req *r, void *buf, size_t cap, uint16_t type,
                       uint16_t flags)
{
        size_t len = NLMSG_LENGTH(body_size(type));

        r->nlh = buf;
        r->cap = cap;
        if (cap < len)
                return -E2BIG;
        memset(buf, 0, len);
        r->nlh->nlmsg_len = len;
        r->nlh->nlmsg_type = type;
        r->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
        return 0;
}

struct ifinfomsg *keel_rtnl_req_link(struct keel_rtnl_req *r)
{
        return NLMSG_DATA(r->nlh);
}

struct ifaddrmsg *keel_rtnl_req_ifa(struct keel_rtnl_req *r)
{
        return NLMSG_DATA(r->nlh);
}

int keel_rtnl_put(struct keel_rtnl_req *r, uint16_t type, const void *data, size_t len)
{
        size_t at = NLMSG_ALIGN(r->nlh->nlmsg_len);
        struct rtattr *rta;

        if (len > UINT16_MAX - RTA_LENGTH(0) || at + RTA_SPACE(len) > r->cap)
                return -E2BIG;
        rta = (struct rtattr *) ((char *) r->nlh + at);
        rta->rta_type = type;
        rta->rta_len = RTA_LENGTH(len);
        if (len > 0)
                memcpy(RTA_DATA(rta), data, len);
        /* The padding after the data is sent too: no stale bytes. */
        memset((char *) RTA_DATA(rta) + len, 0, RTA_SPACE(len) - RTA_LENGTH(len));
        r->nlh->nlmsg_len = at + RTA_SPACE(len);
        return 0;
}

int keel_rtnl_put_str(struct keel_rtnl_req *r, uint16_t type, const char *s)
{
        return keel_rtnl_put(r, type, s, strlen(s) + 1);
}

int keel_rtnl_put_u32(struct keel_rtnl_req *r, uint16_t type, uint32_t v)
{
        return keel_rtnl_put(r, type, &v, sizeof(v));
}

static size_t addr_len(uint8_t family)
{
        return family == AF_INET6 ? 16 : 4;
}

int keel_rtnl_req_addr(struct keel_rtnl_req *r, void *buf, size_t cap,
                       const struct keel_rtnl_addr *a, int index)
{
        size_t n = addr_len(a->family);
        uint32_t flags = a->flags & SETTABLE_IFA_FLAGS;
        struct ifaddrmsg *ifa;
        int ret;

        if (a->family != AF_INET && a->family != AF_INET6)
                return -EAFNOSUPPORT;
        ret = keel_rtnl_req_init(r, buf, cap, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
        if (ret < 0)
                return ret;
        ifa = keel_rtnl_req_ifa(r);
        ifa->ifa_family = a->family;
        ifa->ifa_prefixlen = a->prefixlen;
        ifa->ifa_flags = flags & 0xff;
        ifa->ifa_scope = a->scope;
        ifa->ifa_index = index;
        if (a->has_local)
                ret = keel_rtnl_put(r, IFA_LOCAL, a->local, n);
        if (ret == 0 && a->has_address)
                ret = keel_rtnl_put(r, IFA_ADDRESS, a->address, n);
        if (ret == 0 && a->has_broadcast && a->family == AF_INET)
                ret = keel_rtnl_put(r, IFA_BROADCAST, a->broadcast, n);
        if (ret == 0 && flags > 0xff)
                ret = keel_rtnl_put_u32(r, IFA_FLAGS, flags);
        return ret;
}

int keel_rtnl_parse_link(const struct nlmsghdr *nlh, struct keel_rtnl_link *out)
{
        const struct ifinfomsg *ifi;
        const struct rtattr *rta;
        int len;

        if (nlh->nlmsg_type != RTM_NEWLINK)
                return -ENOMSG;
        if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
                return -EBADMSG;
        ifi = NLMSG_DATA(nlh);
        memset(out, 0, sizeof(*out));
        out->index = ifi->ifi_index;
        out->flags = ifi->ifi_flags;
        len = (int) (nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
        for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
                size_t n = RTA_PAYLOAD(rta);

                if (rta->rta_type != IFLA_IFNAME)
                        continue;
                /* The kernel sends the name with its NUL: no more than fits. */
                if (n == 0 || n > IFNAMSIZ || memchr(RTA_DATA(rta), '\0', n) == NULL)
                        return -EBADMSG;
                memcpy(out->name, RTA_DATA(rta), n);
        }
        return out->name[0] != '\0' ? 0 : -EBADMSG;
}

static int copy_addr(const struct rtattr *rta, uint8_t family, uint8_t *to, bool *has)
{
        size_t n = addr_len(family);

        if (RTA_PAYLOAD(rta) != n)
                return -EBADMSG;
        memcpy(to, RTA_DATA(rta), n);
        *has = true;
        return 0;
}

int keel_rtnl_parse_addr(const struct nlmsghdr *nlh, struct keel_rtnl_addr *out)
{
        const struct ifaddrmsg *ifa;
        const struct rtattr *rta;
        int len, ret = 0;

        if (nlh->nlmsg_type != RTM_NEWADDR)
                return -ENOMSG;
        if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
                return -EBADMSG;
        ifa = NLMSG_DATA(nlh);
        memset(out, 0, sizeof(*out));
        out->family = ifa->ifa_family;
        out->prefixlen = ifa->ifa_prefixlen;
        out->scope = ifa->ifa_scope;
        out->flags = ifa->ifa_flags;
        out->index = (int) ifa->ifa_index;
        if (out->family != AF_INET && out->family != AF_INET6)
                return 0;
        len = (int) (nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
        for (rta = IFA_RTA(ifa); ret == 0 && RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
                switch (rta->rta_type) {
                case IFA_LOCAL:
                        ret = copy_addr(rta, out->family, out->local, &out->has_local);
                        break;
                case IFA_ADDRESS:
                        ret = copy_addr(rta, out->family, out->address, &out->has_address);
                        break;
                case IFA_BROADCAST:
                        ret = copy_addr(rta, out->family, out->broadcast, &out->has_broadcast);
                        break;
                case IFA_FLAGS:
                        if (RTA_PAYLOAD(rta) != sizeof(uint32_t))
                                return -EBADMSG;
                        memcpy(&out->flags, RTA_DATA(rta), sizeof(uint32_t));
                        break;
                }
        }
        return ret;
}

int keel_rtnl_error_of(const struct nlmsghdr *nlh)
{
        const struct nlmsgerr *e;

        if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                return -EBADMSG;
        e = NLMSG_DATA(nlh);
        /* The kernel's errors are negative; anything else is not an errno. */
        if (e->error > 0 || e->error < -4095)
                return -EBADMSG;
        return e->error;
}

int keel_rtnl_open(void)
{
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

        return fd < 0 ? -errno : fd;
}

static int send_req(int fd, struct keel_rtnl_req *r)
{
        struct sockaddr_nl to = { .nl_family = AF_NETLINK };
        ssize_t n;

        do
                n = sendto(fd, r->nlh, r->nlh->nlmsg_len, 0, (struct sockaddr *) &to, sizeof(to));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return (size_t) n == r->nlh->nlmsg_len ? 0 : -EIO;
}

/* One datagram from the kernel (nl_pid 0); others are skipped. */
static ssize_t recv_reply(int fd, void *buf, size_t cap)
{
        for (;;) {
                struct sockaddr_nl from;
                socklen_t alen = sizeof(from);
                ssize_t n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *) &from, &alen);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if ((size_t) n > cap)
                        return -EMSGSIZE;
                if (alen == sizeof(from) && from.nl_pid == 0)
                        return n;
        }
}

int keel_rtnl_call(int fd, struct keel_rtnl_req *r, keel_rtnl_cb cb, void *data)
{
        static uint32_t seq;
        bool dump = (r->nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
        char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
        int ret, cb_ret = 0;

        r->nlh->nlmsg_seq = ++seq;
        /* A dump ends with NLMSG_DONE; anything else gets an ack. */
        if (!dump)
                r->nlh->nlmsg_flags |= NLM_F_ACK;
        ret = send_req(fd, r);
        if (ret < 0)
                return ret;
        for (;;) {
                ssize_t n = recv_reply(fd, buf, sizeof(buf));
                struct nlmsghdr *nlh;
                int left;

                if (n < 0)
                        return (int) n;
                left = (int) n;
                for (nlh = (struct nlmsghdr *) buf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
                        if (nlh->nlmsg_seq != r->nlh->nlmsg_seq)
                                continue;
                        if (nlh->nlmsg_type == NLMSG_ERROR) {
                                ret = keel_rtnl_error_of(nlh);
                                return ret < 0 ? ret : cb_ret;
                        }
                        if (nlh->nlmsg_type == NLMSG_DONE) {
                                if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) &&
                                    *(int *) NLMSG_DATA(nlh) < 0)
                                        return *(int *) NLMSG_DATA(nlh);
                                return cb_ret;
                        }
                        if (cb != NULL && cb_ret == 0)
                                cb_ret = cb(nlh, data);
                }
        }
}
