/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "lib-log.h"
#include "linux/netdev.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define FIELD "linux.netDevices"
#define REQ_SIZE 512

/* ---- the pure parts ------------------------------------------------------ */

bool keel_netdev_is_template(const char *name)
{
        const char *p = strchr(name, '%');

        return p != NULL && p[1] == 'd' && strchr(p + 2, '%') == NULL;
}

static bool name_in(const char *name, char *const *names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], name) == 0)
                        return true;
        return false;
}

/* The kernel's dev_alloc_name: the lowest number whose name is free.  The
 * name is put together here, never used as a format. */
int keel_netdev_expand_template(const char *tmpl, char *const *names, size_t n,
                                char out[IFNAMSIZ])
{
        const char *p = strchr(tmpl, '%');
        size_t pre, post;

        if (!keel_netdev_is_template(tmpl))
                return -EINVAL;
        pre = (size_t) (p - tmpl);
        post = strlen(p + 2);
        for (int i = 0; i < 32768; i++) {
                char num[8];
                size_t len = (size_t) snprintf(num, sizeof(num), "%d", i);

                if (pre + len + post >= IFNAMSIZ)
                        return -ENFILE;
                memcpy(out, tmpl, pre);
                memcpy(out + pre, num, len);
                memcpy(out + pre + len, p + 2, post);
                out[pre + len + post] = '\0';
                if (!name_in(out, names, n))
                        return 0;
        }
        return -ENFILE;
}

bool keel_netdev_addr_restores(const struct keel_rtnl_addr *a)
{
        return (a->family == AF_INET || a->family == AF_INET6) && (a->flags & IFA_F_PERMANENT);
}

/* config-linux.md: "all permanent IP addresses (IFA_F_PERMANENT flag) of any
 * family with global scope (RT_SCOPE_UNIVERSE value)". */
bool keel_netdev_addr_moves(const struct keel_rtnl_addr *a)
{
        return keel_netdev_addr_restores(a) && a->scope == RT_SCOPE_UNIVERSE;
}

static const char *target_of(const struct keel_net_device *d)
{
        return d->name != NULL ? d->name : d->host_name;
}

/* ---- checks before anything is made -------------------------------------- */

static bool has_network_ns(const struct keel_linux *lx)
{
        for (size_t i = 0; i < lx->n_namespaces; i++)
                if (lx->namespaces[i].type == KEEL_NS_NETWORK)
                        return true;
        return false;
}

static int check_names(const struct keel_linux *lx, size_t i, struct keel_error **err)
{
        const struct keel_net_device *d = &lx->net_devices[i];
        const char *t = target_of(d);

        if (strchr(t, '%') != NULL && !keel_netdev_is_template(t))
                return keel_error_setq(err, EINVAL, FIELD "[\"%s\"].name: \"%s\" is not a name "
                                       "template (one %%d and no other %%)", d->host_name, t);
        for (size_t j = 0; j < i; j++) {
                const struct keel_net_device *o = &lx->net_devices[j];

                if (strcmp(o->host_name, d->host_name) == 0)
                        return keel_error_setq(err, EINVAL, FIELD "[\"%s\"]: listed twice",
                                               d->host_name);
                /* Templates are numbered apart, as the kernel does. */
                if (!keel_netdev_is_template(t) && strcmp(target_of(o), t) == 0)
                        return keel_error_setq(err, EEXIST, FIELD "[\"%s\"]: \"%s\" is also the "
                                               "name of " FIELD "[\"%s\"] in the container",
                                               d->host_name, t, o->host_name);
        }
        return 0;
}

int keel_netdev_check_config(const struct keel_linux *lx, bool rootless, struct keel_error **err)
{
        if (lx == NULL || lx->n_net_devices == 0)
                return 0;
        if (rootless)
                return keel_error_setq(err, EPERM, FIELD ": rootless keel cannot move network "
                                       "devices (it has no CAP_NET_ADMIN in the runtime's "
                                       "network namespace)");
        if (!has_network_ns(lx))
                return keel_error_setq(err, EINVAL, FIELD ": only a container with a network "
                                       "namespace of its own can have network devices "
                                       "(linux.namespaces has no network entry)");
        for (size_t i = 0; i < lx->n_net_devices; i++) {
                int ret = check_names(lx, i, err);

                if (ret < 0)
                        return ret;
        }
        return 0;
}

int keel_netdev_check_plan(const struct keel_linux *lx, const struct keel_ns_plan *plan,
                           struct keel_error **err)
{
        int fd = plan->join_fd[KEEL_NS_NETWORK];
        struct stat a, b;

        if (lx == NULL || lx->n_net_devices == 0 || fd < 0)
                return 0;
        if (fstat(fd, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
                return keel_error_setq(err, EINVAL, FIELD ": the network namespace "
                                       "linux.namespaces joins is the runtime's own: a device "
                                       "cannot move to the namespace it is in");
        return 0;
}

/* ---- rtnetlink requests -------------------------------------------------- */

struct link_reply {
        struct keel_rtnl_link *link;
        bool found;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
        struct link_reply *l = data;

        if (keel_rtnl_parse_link(nlh, l->link) == 0)
                l->found = true;
        return 0;
}

/* The link called name in fd's namespace; -ENODEV when there is none. */
static int get_link(int fd, const char *name, struct keel_rtnl_link *out)
{
        char buf[REQ_SIZE] __attribute__((aligned(8)));
        struct link_reply l = { .link = out };
        struct keel_rtnl_req r;
        int ret;

        ret = keel_rtnl_req_init(&r, buf, sizeof(buf), RTM_GETLINK, 0);
        if (ret == 0)
                ret = keel_rtnl_put_str(&r, IFLA_IFNAME, name);
        if (ret == 0)
                ret = keel_rtnl_put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        if (ret == 0)
                ret = keel_rtnl_call(fd, &r, on_link, &l);
        if (ret == 0 && !l.found)
                ret = -ENODEV;
        return ret;
}

struct name_list {
        char **names;
        size_t n;
};

static int name_list_add(struct name_list *l, const char *name)
{
        return keel_strv_append(&l->names, &l->n, name);
}

static int on_link_name(const struct nlmsghdr *nlh, void *data)
{
        struct keel_rtnl_link link;

        if (keel_rtnl_parse_link(nlh, &link) < 0)
                return 0;
        return name_list_add(data, link.name);
}

/* The names of every link in fd's namespace, added to l. */
static int list_links(int fd, struct name_list *l)
{
        char buf[REQ_SIZE] __attribute__((aligned(8)));
        struct keel_rtnl_req r;
        int ret;

        ret = keel_rtnl_req_init(&r, buf, sizeof(buf), RTM_GETLINK, NLM_F_DUMP);
        if (ret == 0)
                ret = keel_rtnl_put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        if (ret == 0)
                ret = keel_rtnl_call(fd, &r, on_link_name, l);
        return ret;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
        struct keel_netdev *d = data;
        struct keel_rtnl_addr a, *v;

        if (keel_rtnl_parse_addr(nlh, &a) < 0 || a.index != d->host_index ||
            !keel_netdev_addr_restores(&a))
                return 0;
        v = realloc(d->addrs, (d->n_addrs + 1) * sizeof(*v));
        if (v == NULL)
                return -ENOMEM;
        d->addrs = v;
        v[d->n_addrs++] = a;
        return 0;
}

/* The device's permanent addresses, in the kernel's order (an IPv4
 * primary before its secondaries). */
static int read_addrs(int fd, struct keel_netdev *d)
{
        char buf[REQ_SIZE] __attribute__((aligned(8)));
        struct keel_rtnl_req r;
        int ret;

        ret = keel_rtnl_req_init(&r, buf, sizeof(buf), RTM_GETADDR, NLM_F_DUMP);
        if (ret == 0) {
                keel_rtnl_req_ifa(&r)->ifa_family = AF_UNSPEC;
                ret = keel_rtnl_call(fd, &r, on_addr, d);
        }
        return ret;
}

/* One RTM_NEWLINK: move the link at index to the namespace of nsfd, named
 * name there (in one request: a rename after the move could clash). */
static int move_link(int fd, int index, int nsfd, const char *name)
{
        char buf[REQ_SIZE] __attribute__((aligned(8)));
        struct keel_rtnl_req r;
        int ret;

        ret = keel_rtnl_req_init(&r, buf, sizeof(buf), RTM_NEWLINK, 0);
        if (ret == 0) {
                keel_rtnl_req_link(&r)->ifi_index = index;
                ret = keel_rtnl_put_u32(&r, IFLA_NET_NS_FD, (uint32_t) nsfd);
        }
        if (ret == 0)
                ret = keel_rtnl_put_str(&r, IFLA_IFNAME, name);
        if (ret == 0)
                ret = keel_rtnl_call(fd, &r, NULL, NULL);
        return ret;
}

static int set_link_up(int fd, int index)
{
        char buf[REQ_SIZE] __attribute__((aligned(8)));
        struct keel_rtnl_req r;
        int ret;

        ret = keel_rtnl_req_init(&r, buf, sizeof(buf), RTM_NEWLINK, 0);
        if (ret == 0) {
                struct ifinfomsg *ifi = keel_rtnl_req_link(&r);

                ifi->ifi_index = index;
                ifi->ifi_flags = IFF_UP;
                ifi->ifi_change = IFF_UP;
                ret = keel_rtnl_call(fd, &r, NULL, NULL);
        }
        return ret;
}

static const char *addr_text(const struct keel_rtnl_addr *a, char *buf, size_t size)
{
        const uint8_t *ip = a->has_local ? a->local : a->address;
        size_t n;

        if (inet_ntop(a->family, ip, buf, (socklen_t) size) == NULL)
                return "?";
        n = strlen(buf);
        snprintf(buf + n, size - n, "/%u", a->prefixlen);
        return buf;
}

/* Add the device's addresses that pass keep() to the link at index of fd's
 * namespace; where names the namespace for the error. */
static int add_addrs(int fd, int index, const struct keel_netdev *d,
                     bool (*keep)(const struct keel_rtnl_addr *), const char *where,
                     struct keel_error **err)
{
        for (size_t i = 0; i < d->n_addrs; i++) {
                char buf[REQ_SIZE] __attribute__((aligned(8)));
                char text[INET6_ADDRSTRLEN + 8];
                struct keel_rtnl_req r;
                int ret;

                if (!keep(&d->addrs[i]))
                        continue;
                ret = keel_rtnl_req_addr(&r, buf, sizeof(buf), &d->addrs[i], index);
                if (ret == 0)
                        ret = keel_rtnl_call(fd, &r, NULL, NULL);
                if (ret < 0)
                        return keel_error_set(err, -ret, "add address %s in %s",
                                              addr_text(&d->addrs[i], text, sizeof(text)), where);
        }
        return 0;
}

/* ---- moving in ------------------------------------------------------------ */

/* name in the runtime's namespace (fd), the error naming the entry. */
static int find_in_runtime(int fd, const char *name, struct keel_rtnl_link *l,
                           struct keel_error **err)
{
        int ret = get_link(fd, name, l);

        if (ret == -ENODEV)
                return keel_error_setq(err, ENODEV, FIELD "[\"%s\"]: no such device in the "
                                       "runtime's network namespace", name);
        if (ret < 0)
                return keel_error_set(err, -ret, FIELD "[\"%s\"]: look it up in the runtime's "
                                      "network namespace", name);
        return 0;
}

int keel_netdev_check_host(const struct keel_linux *lx, struct keel_error **err)
{
        _cleanup_close_ int fd = -1;

        if (lx == NULL || lx->n_net_devices == 0)
                return 0;
        fd = keel_rtnl_open();
        if (fd < 0)
                return keel_error_set(err, -fd, FIELD ": open a netlink socket");
        for (size_t i = 0; i < lx->n_net_devices; i++) {
                struct keel_rtnl_link l;
                int ret = find_in_runtime(fd, lx->net_devices[i].host_name, &l, err);

                if (ret < 0)
                        return ret;
        }
        return 0;
}

/* The device as it is now in the runtime's namespace. */
static int find_home(struct keel_netdevs *nd, struct keel_netdev *d, struct keel_error **err)
{
        struct keel_rtnl_link l;
        int ret = find_in_runtime(nd->rsock, d->host_name, &l, err);

        if (ret < 0)
                return ret;
        d->host_index = l.index;
        d->was_up = (l.flags & IFF_UP) != 0;
        ret = read_addrs(nd->rsock, d);
        if (ret < 0)
                return keel_error_set(err, -ret, FIELD "[\"%s\"]: read its addresses",
                                      d->host_name);
        return 0;
}

/* Names in the container: concrete ones must be free there, templates are
 * numbered past everything taken (the kernel's choice, made here so that
 * keel knows the name to find the device by). */
static int choose_targets(struct keel_netdevs *nd, const struct keel_linux *lx,
                          struct name_list *inside, struct keel_error **err)
{
        size_t n_before = inside->n;
        int ret = 0;

        for (size_t i = 0; i < nd->n && ret == 0; i++) {
                struct keel_netdev *d = &nd->dev[i];
                const char *t = target_of(&lx->net_devices[i]);

                d->host_name_inside = name_in(d->host_name, inside->names, n_before);
                d->target_is_template = keel_netdev_is_template(t);
                if (d->target_is_template)
                        continue;
                if (name_in(t, inside->names, n_before))
                        return keel_error_setq(err, EEXIST, FIELD "[\"%s\"]: \"%s\" already "
                                               "exists in the container's network namespace",
                                               d->host_name, t);
                snprintf(d->target, sizeof(d->target), "%s", t);
                ret = name_list_add(inside, t);
        }
        for (size_t i = 0; i < nd->n && ret == 0; i++) {
                struct keel_netdev *d = &nd->dev[i];
                const char *t = target_of(&lx->net_devices[i]);

                if (!d->target_is_template)
                        continue;
                ret = keel_netdev_expand_template(t, inside->names, inside->n, d->target);
                if (ret < 0)
                        return keel_error_setq(err, -ret, FIELD "[\"%s\"].name: no free name for "
                                               "\"%s\" in the container's network namespace",
                                               d->host_name, t);
                ret = name_list_add(inside, d->target);
        }
        return ret < 0 ? keel_error_set(err, -ret, FIELD) : 0;
}

/* Everything checked and read before the first move. */
static int plan_moves(struct keel_netdevs *nd, const struct keel_linux *lx,
                      struct keel_error **err)
{
        struct name_list inside = { 0 };
        int ret = 0;

        for (size_t i = 0; i < nd->n && ret == 0; i++) {
                nd->dev[i].host_name = lx->net_devices[i].host_name;
                ret = find_home(nd, &nd->dev[i], err);
        }
        if (ret == 0) {
                ret = list_links(nd->csock, &inside);
                if (ret < 0)
                        keel_error_set(err, -ret, FIELD ": list the devices of the container's "
                                       "network namespace");
        }
        if (ret == 0)
                ret = choose_targets(nd, lx, &inside, err);
        keel_strv_free(inside.names);
        return ret;
}

/* After a failed move: did the kernel move the device anyway (it moves,
 * then renames)? */
static bool still_home(struct keel_netdevs *nd, const struct keel_netdev *d)
{
        struct keel_rtnl_link l;

        return get_link(nd->rsock, d->host_name, &l) == 0 && l.index == d->host_index;
}

static int move_one(struct keel_netdevs *nd, struct keel_netdev *d, int cns,
                    struct keel_error **err)
{
        struct keel_rtnl_link l;
        int ret;

        ret = move_link(nd->rsock, d->host_index, cns, d->target);
        if (ret < 0) {
                d->moved = !still_home(nd, d);
                return keel_error_set(err, -ret, FIELD "[\"%s\"]: move to the container's "
                                      "network namespace", d->host_name);
        }
        d->moved = true;
        ret = get_link(nd->csock, d->target, &l);
        if (ret < 0)
                return keel_error_set(err, -ret, FIELD "[\"%s\"]: find \"%s\" in the container's "
                                      "network namespace", d->host_name, d->target);
        ret = add_addrs(nd->csock, l.index, d, keel_netdev_addr_moves,
                        "the container's network namespace", err);
        if (ret < 0)
                return keel_error_prefix(err, FIELD "[\"%s\"]", d->host_name);
        ret = set_link_up(nd->csock, l.index);
        if (ret < 0)
                return keel_error_set(err, -ret, FIELD "[\"%s\"]: set \"%s\" up in the container's "
                                      "network namespace", d->host_name, d->target);
        return 0;
}

int keel_netdev_move_in(struct keel_netdevs *nd, const struct keel_linux *lx, int csock,
                        struct keel_error **err)
{
        _cleanup_close_ int cns = -1;
        int ret = 0;

        nd->csock = csock;
        if (lx == NULL || lx->n_net_devices == 0)
                return 0;
        nd->rsock = keel_rtnl_open();
        if (nd->rsock < 0)
                return keel_error_set(err, -nd->rsock, FIELD ": open a netlink socket");
        /* The namespace the init's socket lives in is the container's. */
        cns = ioctl(csock, SIOCGSKNS);
        if (cns < 0)
                return keel_error_set(err, errno, FIELD ": open the container's network namespace");
        nd->dev = calloc(lx->n_net_devices, sizeof(*nd->dev));
        if (nd->dev == NULL)
                return keel_error_set(err, ENOMEM, FIELD);
        nd->n = lx->n_net_devices;
        ret = plan_moves(nd, lx, err);
        for (size_t i = 0; i < nd->n && ret == 0; i++)
                ret = move_one(nd, &nd->dev[i], cns, err);
        if (ret < 0)
                keel_netdev_move_back(nd);
        return ret;
}

/* ---- moving back after a failed create ------------------------------------- */

/* The moved device in the container: under its new name, or under its old
 * one when the kernel moved it but could not rename it. */
static int find_inside(struct keel_netdevs *nd, const struct keel_netdev *d,
                       struct keel_rtnl_link *l)
{
        int ret = d->target[0] ? get_link(nd->csock, d->target, l) : -ENODEV;

        if (ret == -ENODEV && !d->host_name_inside)
                ret = get_link(nd->csock, d->host_name, l);
        return ret;
}

static int bring_back(struct keel_netdevs *nd, const struct keel_netdev *d, int rns,
                      struct keel_error **err)
{
        struct keel_rtnl_link l, home;
        int ret;

        ret = find_inside(nd, d, &l);
        if (ret < 0)
                return keel_error_set(err, -ret, "find it in the container's network namespace");
        /* Its name taken meanwhile: the kernel would move it back under
         * the container's name.  Better left where it is. */
        if (get_link(nd->rsock, d->host_name, &home) == 0)
                return keel_error_setq(err, EEXIST, "its name is taken in the runtime's network "
                                       "namespace now");
        ret = move_link(nd->csock, l.index, rns, d->host_name);
        if (ret == 0)
                ret = get_link(nd->rsock, d->host_name, &home);
        if (ret < 0)
                return keel_error_set(err, -ret, "move back to the runtime's network namespace");
        ret = add_addrs(nd->rsock, home.index, d, keel_netdev_addr_restores,
                        "the runtime's network namespace", err);
        if (ret == 0 && d->was_up && (ret = set_link_up(nd->rsock, home.index)) < 0)
                keel_error_set(err, -ret, "set it up again");
        return ret;
}

void keel_netdev_move_back(struct keel_netdevs *nd)
{
        _cleanup_close_ int rns = -1;

        if (nd->dev == NULL)
                return;
        rns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        for (size_t i = nd->n; i-- > 0;) {
                struct keel_netdev *d = &nd->dev[i];
                struct keel_error *e = NULL;

                if (!d->moved)
                        continue;
                if (rns < 0)
                        keel_error_set(&e, errno, "open /proc/self/ns/net");
                else
                        bring_back(nd, d, rns, &e);
                if (e != NULL)
                        keel_warn(FIELD "[\"%s\"]: left in the container's network namespace: %s",
                                  d->host_name, e->msg);
                keel_error_free(e);
                d->moved = false;
        }
}

void keel_netdev_release(struct keel_netdevs *nd)
{
        closep(&nd->csock);
        closep(&nd->rsock);
        for (size_t i = 0; i < nd->n; i++)
                free(nd->dev[i].addrs);
        free(nd->dev);
        nd->dev = NULL;
        nd->n = 0;
}
