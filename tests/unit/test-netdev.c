/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.netDevices, the parts without a kernel: rtnetlink messages built
 * and parsed (linux/rtnl.h), name templates, which addresses move, and the
 * config checks that refuse before anything moves (linux/netdev.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "linux/netdev.h"
#include "linux/rtnl.h"
#include "tap.h"

static char buf[1024] __attribute__((aligned(8)));

/* The attribute of type in a request or reply body starting at off. */
static const struct rtattr *find_attr(const struct nlmsghdr *nlh, size_t body, uint16_t type)
{
        int len = (int) (nlh->nlmsg_len - NLMSG_LENGTH(body));
        const struct rtattr *rta = (const struct rtattr *) ((const char *) NLMSG_DATA(nlh) +
                                                          NLMSG_ALIGN(body));

        for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
                if (rta->rta_type == type)
                        return rta;
        return NULL;
}

static void move_request_carries_namespace_and_name(void)
{
        struct keel_rtnl_req r;
        const struct rtattr *ns, *name;
        const unsigned char *pad;

        memset(buf, 0xaa, sizeof(buf));
        tap_is_int(keel_rtnl_req_init(&r, buf, sizeof(buf), RTM_NEWLINK, 0), 0, "link_req_init");
        keel_rtnl_req_link(&r)->ifi_index = 7;
        tap_is_int(keel_rtnl_put_u32(&r, IFLA_NET_NS_FD, 42), 0, "put_ns_fd");
        tap_is_int(keel_rtnl_put_str(&r, IFLA_IFNAME, "ctr0"), 0, "put_name");
        tap_is_int(r.nlh->nlmsg_type, RTM_NEWLINK, "type_newlink");
        tap_ok(r.nlh->nlmsg_flags & NLM_F_REQUEST, "flags_have_request");
        tap_is_int(r.nlh->nlmsg_len, NLMSG_LENGTH(sizeof(struct ifinfomsg)) + RTA_SPACE(4) +
                   RTA_SPACE(5), "length_counts_aligned_attributes");
        tap_is_int(((struct ifinfomsg *) NLMSG_DATA(r.nlh))->ifi_index, 7, "ifindex_set");
        tap_is_int(((struct ifinfomsg *) NLMSG_DATA(r.nlh))->ifi_change, 0, "body_zeroed");
        ns = find_attr(r.nlh, sizeof(struct ifinfomsg), IFLA_NET_NS_FD);
        name = find_attr(r.nlh, sizeof(struct ifinfomsg), IFLA_IFNAME);
        tap_ok(ns && RTA_PAYLOAD(ns) == 4 && *(uint32_t *) RTA_DATA(ns) == 42, "ns_fd_attribute");
        tap_ok(name && RTA_PAYLOAD(name) == 5 && strcmp(RTA_DATA(name), "ctr0") == 0,
               "name_attribute_with_nul");
        /* "ctr0\0" is 5 bytes, padded to 8: the 3 padding bytes are zero. */
        pad = (const unsigned char *) RTA_DATA(name) + 5;
        tap_ok(pad[0] == 0 && pad[1] == 0 && pad[2] == 0, "padding_is_zeroed");
}

static void request_that_does_not_fit_is_refused(void)
{
        struct keel_rtnl_req r;
        char big[64];

        memset(big, 'x', sizeof(big));
        tap_is_int(keel_rtnl_req_init(&r, buf, 8, RTM_NEWLINK, 0), -E2BIG, "init_too_small");
        tap_is_int(keel_rtnl_req_init(&r, buf, 48, RTM_NEWLINK, 0), 0, "init_in_48");
        tap_is_int(keel_rtnl_put(&r, IFLA_IFALIAS, big, sizeof(big)), -E2BIG, "attribute_too_big");
        tap_is_int(r.nlh->nlmsg_len, NLMSG_LENGTH(sizeof(struct ifinfomsg)), "length_unchanged");
}

static struct keel_rtnl_addr v4(const char *ip, uint8_t prefix, uint8_t scope, uint32_t flags)
{
        struct keel_rtnl_addr a = { .family = AF_INET, .prefixlen = prefix, .scope = scope,
                                    .flags = flags, .has_local = true, .has_address = true };

        inet_pton(AF_INET, ip, a.local);
        inet_pton(AF_INET, ip, a.address);
        return a;
}

static struct keel_rtnl_addr v6(const char *ip, uint8_t prefix, uint8_t scope, uint32_t flags)
{
        struct keel_rtnl_addr a = { .family = AF_INET6, .prefixlen = prefix, .scope = scope,
                                    .flags = flags, .has_address = true };

        inet_pton(AF_INET6, ip, a.address);
        return a;
}

static void address_request_keeps_what_makes_the_address(void)
{
        struct keel_rtnl_addr a = v4("10.1.2.3", 24, RT_SCOPE_UNIVERSE,
                                     IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
        struct keel_rtnl_addr back;
        struct keel_rtnl_req r;
        const struct rtattr *flags;
        struct ifaddrmsg *ifa;

        inet_pton(AF_INET, "10.1.2.255", a.broadcast);
        a.has_broadcast = true;
        tap_is_int(keel_rtnl_req_addr(&r, buf, sizeof(buf), &a, 9), 0, "addr_req_v4");
        ifa = NLMSG_DATA(r.nlh);
        tap_is_int(r.nlh->nlmsg_type, RTM_NEWADDR, "type_newaddr");
        tap_ok((r.nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE)) == (NLM_F_CREATE | NLM_F_REPLACE),
               "create_or_replace");
        tap_is_int(ifa->ifa_index, 9, "addr_on_new_index");
        tap_is_int(ifa->ifa_prefixlen, 24, "prefix");
        tap_is_int(ifa->ifa_flags, 0, "permanent_is_the_kernels_to_set");
        flags = find_attr(r.nlh, sizeof(*ifa), IFA_FLAGS);
        tap_ok(flags && *(uint32_t *) RTA_DATA(flags) == IFA_F_NOPREFIXROUTE,
               "ifa_flags_attribute_has_settable_flags_only");
        tap_ok(find_attr(r.nlh, sizeof(*ifa), IFA_LABEL) == NULL, "no_label");
        /* The request reads back as the same address. */
        tap_is_int(keel_rtnl_parse_addr(r.nlh, &back), 0, "request_parses_as_addr");
        tap_ok(back.has_local && back.has_address && back.has_broadcast &&
               memcmp(back.local, a.local, 4) == 0 && memcmp(back.broadcast, a.broadcast, 4) == 0,
               "addresses_round_trip");

        a = v6("fd00::1", 64, RT_SCOPE_UNIVERSE, IFA_F_PERMANENT | IFA_F_NODAD);
        tap_is_int(keel_rtnl_req_addr(&r, buf, sizeof(buf), &a, 3), 0, "addr_req_v6");
        ifa = NLMSG_DATA(r.nlh);
        tap_is_int(ifa->ifa_flags, IFA_F_NODAD, "nodad_in_ifa_flags");
        tap_ok(find_attr(r.nlh, sizeof(*ifa), IFA_FLAGS) == NULL, "no_flags_attribute_when_8_bits_do");
        tap_ok(find_attr(r.nlh, sizeof(*ifa), IFA_LOCAL) == NULL, "v6_without_local");
        a.family = AF_PACKET;
        tap_is_int(keel_rtnl_req_addr(&r, buf, sizeof(buf), &a, 3), -EAFNOSUPPORT, "other_family");
}

/* A reply message built by hand, as the kernel lays it out. */
static struct nlmsghdr *reply(uint16_t type, const void *body, size_t body_len)
{
        struct nlmsghdr *nlh = (struct nlmsghdr *) buf;

        memset(buf, 0, sizeof(buf));
        nlh->nlmsg_type = type;
        nlh->nlmsg_len = NLMSG_LENGTH(body_len);
        memcpy(NLMSG_DATA(nlh), body, body_len);
        return nlh;
}

static void reply_attr(struct nlmsghdr *nlh, uint16_t type, const void *data, size_t len)
{
        struct rtattr *rta = (struct rtattr *) ((char *) nlh + NLMSG_ALIGN(nlh->nlmsg_len));

        rta->rta_type = type;
        rta->rta_len = RTA_LENGTH(len);
        memcpy(RTA_DATA(rta), data, len);
        nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + RTA_SPACE(len);
}

static void link_reply_is_parsed(void)
{
        struct ifinfomsg ifi = { .ifi_index = 5, .ifi_flags = IFF_UP | IFF_BROADCAST };
        struct keel_rtnl_link l;
        struct nlmsghdr *nlh;
        uint32_t mtu = 1400;

        nlh = reply(RTM_NEWLINK, &ifi, sizeof(ifi));
        reply_attr(nlh, IFLA_MTU, &mtu, sizeof(mtu));
        reply_attr(nlh, IFLA_IFNAME, "vA", 3);
        tap_is_int(keel_rtnl_parse_link(nlh, &l), 0, "link_parses");
        tap_is_int(l.index, 5, "link_index");
        tap_ok(l.flags & IFF_UP, "link_up_flag");
        tap_is_str(l.name, "vA", "link_name");

        nlh = reply(RTM_NEWLINK, &ifi, sizeof(ifi));
        reply_attr(nlh, IFLA_IFNAME, "vA", 2);
        tap_is_int(keel_rtnl_parse_link(nlh, &l), -EBADMSG, "name_without_nul");
        nlh = reply(RTM_NEWLINK, &ifi, sizeof(ifi));
        reply_attr(nlh, IFLA_IFNAME, "a-very-long-name-here", 22);
        tap_is_int(keel_rtnl_parse_link(nlh, &l), -EBADMSG, "name_longer_than_ifnamsiz");
        nlh = reply(RTM_NEWLINK, &ifi, sizeof(ifi));
        tap_is_int(keel_rtnl_parse_link(nlh, &l), -EBADMSG, "link_without_name");
        nlh = reply(RTM_NEWLINK, &ifi, sizeof(ifi));
        nlh->nlmsg_len = NLMSG_LENGTH(4);
        tap_is_int(keel_rtnl_parse_link(nlh, &l), -EBADMSG, "truncated_link");
        nlh = reply(RTM_DELLINK, &ifi, sizeof(ifi));
        tap_is_int(keel_rtnl_parse_link(nlh, &l), -ENOMSG, "not_a_newlink");
}

static void addr_reply_is_parsed(void)
{
        struct ifaddrmsg ifa = { .ifa_family = AF_INET6, .ifa_prefixlen = 64,
                                 .ifa_flags = IFA_F_PERMANENT, .ifa_scope = RT_SCOPE_UNIVERSE,
                                 .ifa_index = 4 };
        uint32_t flags = IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE;
        struct keel_rtnl_addr a;
        struct nlmsghdr *nlh;
        uint8_t ip[16];

        inet_pton(AF_INET6, "fd00::5", ip);
        nlh = reply(RTM_NEWADDR, &ifa, sizeof(ifa));
        reply_attr(nlh, IFA_ADDRESS, ip, 16);
        reply_attr(nlh, IFA_LABEL, "vA", 3);
        reply_attr(nlh, IFA_FLAGS, &flags, sizeof(flags));
        tap_is_int(keel_rtnl_parse_addr(nlh, &a), 0, "addr_parses");
        tap_ok(a.family == AF_INET6 && a.prefixlen == 64 && a.index == 4 &&
               a.scope == RT_SCOPE_UNIVERSE, "addr_header");
        tap_ok(a.has_address && !a.has_local && memcmp(a.address, ip, 16) == 0, "addr_address");
        tap_is_int(a.flags, flags, "ifa_flags_attribute_wins");

        nlh = reply(RTM_NEWADDR, &ifa, sizeof(ifa));
        reply_attr(nlh, IFA_ADDRESS, ip, 4);
        tap_is_int(keel_rtnl_parse_addr(nlh, &a), -EBADMSG, "v6_address_of_4_bytes");
        nlh = reply(RTM_GETADDR, &ifa, sizeof(ifa));
        tap_is_int(keel_rtnl_parse_addr(nlh, &a), -ENOMSG, "not_a_newaddr");
}

static void errors_are_read_from_nlmsgerr(void)
{
        struct nlmsgerr e = { .error = 0 };
        struct nlmsghdr *nlh = reply(NLMSG_ERROR, &e, sizeof(e));

        tap_is_int(keel_rtnl_error_of(nlh), 0, "ack");
        e.error = -EEXIST;
        nlh = reply(NLMSG_ERROR, &e, sizeof(e));
        tap_is_int(keel_rtnl_error_of(nlh), -EEXIST, "eexist");
        e.error = 17;
        nlh = reply(NLMSG_ERROR, &e, sizeof(e));
        tap_is_int(keel_rtnl_error_of(nlh), -EBADMSG, "positive_error_is_bad");
        nlh = reply(NLMSG_ERROR, &e, 2);
        tap_is_int(keel_rtnl_error_of(nlh), -EBADMSG, "truncated_error");
}

static void templates_are_numbered_as_the_kernel_does(void)
{
        char *taken[] = { "eth0", "eth1", "eth3", "lo" };
        char *many[100];
        char out[IFNAMSIZ];

        tap_ok(keel_netdev_is_template("eth%d"), "eth_pct_d_is_template");
        tap_ok(keel_netdev_is_template("%dx"), "leading_pct_d");
        tap_ok(!keel_netdev_is_template("eth0"), "plain_name");
        tap_ok(!keel_netdev_is_template("eth%s"), "pct_s_is_not");
        tap_ok(!keel_netdev_is_template("e%d%d"), "two_pct_d");
        tap_ok(!keel_netdev_is_template("e%"), "lone_percent");
        tap_is_int(keel_netdev_expand_template("eth%d", NULL, 0, out), 0, "expand_empty");
        tap_is_str(out, "eth0", "first_is_0");
        tap_is_int(keel_netdev_expand_template("eth%d", taken, 4, out), 0, "expand_taken");
        tap_is_str(out, "eth2", "lowest_free_number");
        tap_is_int(keel_netdev_expand_template("a%db", taken, 4, out), 0, "expand_with_suffix");
        tap_is_str(out, "a0b", "suffix_kept");
        tap_is_int(keel_netdev_expand_template("eth%s", NULL, 0, out), -EINVAL, "not_a_template");
        /* 13 + two digits fit in IFNAMSIZ; three do not. */
        for (int i = 0; i < 100; i++) {
                many[i] = malloc(IFNAMSIZ);
                snprintf(many[i], IFNAMSIZ, "abcdefghijklm%d", i);
        }
        tap_is_int(keel_netdev_expand_template("abcdefghijklm%d", many, 99, out), 0, "expand_to_15");
        tap_is_str(out, "abcdefghijklm99", "fifteen_bytes");
        tap_is_int(keel_netdev_expand_template("abcdefghijklm%d", many, 100, out), -ENFILE,
                   "no_name_fits");
        for (int i = 0; i < 100; i++)
                free(many[i]);
}

static void addresses_that_move_and_come_back(void)
{
        struct keel_rtnl_addr global = v4("10.1.2.3", 24, RT_SCOPE_UNIVERSE, IFA_F_PERMANENT);
        struct keel_rtnl_addr host = v4("127.0.0.33", 8, RT_SCOPE_HOST, IFA_F_PERMANENT);
        struct keel_rtnl_addr dynamic = v6("2001:db8::5", 64, RT_SCOPE_UNIVERSE, 0);
        struct keel_rtnl_addr link = v6("fe80::1", 64, RT_SCOPE_LINK, IFA_F_PERMANENT);
        struct keel_rtnl_addr other = global;

        other.family = AF_PACKET;
        tap_ok(keel_netdev_addr_moves(&global) && keel_netdev_addr_restores(&global),
               "permanent_global_moves");
        tap_ok(!keel_netdev_addr_moves(&host) && keel_netdev_addr_restores(&host),
               "host_scope_stays_but_comes_back");
        tap_ok(!keel_netdev_addr_moves(&dynamic) && !keel_netdev_addr_restores(&dynamic),
               "dynamic_address_neither");
        tap_ok(!keel_netdev_addr_moves(&link) && keel_netdev_addr_restores(&link),
               "link_local_comes_back_only");
        tap_ok(!keel_netdev_addr_moves(&other) && !keel_netdev_addr_restores(&other),
               "other_family_neither");
}

/* A config with a network namespace entry and the given devices. */
static void config_with(struct keel_linux *lx, struct keel_net_device *d, size_t n,
                        struct keel_namespace *ns, size_t n_ns)
{
        memset(lx, 0, sizeof(*lx));
        lx->net_devices = d;
        lx->n_net_devices = n;
        lx->namespaces = ns;
        lx->n_namespaces = n_ns;
}

static void check_config(const char *name, struct keel_linux *lx, bool rootless, const char *want)
{
        struct keel_error *err = NULL;
        int ret = keel_netdev_check_config(lx, rootless, &err);

        if (want == NULL) {
                tap_ok(ret == 0, "%s", name);
                if (ret < 0)
                        tap_diag("%s", err->msg);
        } else {
                tap_is_str(err ? err->msg : NULL, want, name);
        }
        keel_error_free(err);
}

static void config_checks_refuse_by_name(void)
{
        struct keel_namespace net[] = { { .type = KEEL_NS_MOUNT }, { .type = KEEL_NS_NETWORK } };
        struct keel_net_device one[] = { { .host_name = "vA" } };
        struct keel_net_device clash[] = { { .host_name = "vA", .name = "x0" },
                                           { .host_name = "vB", .name = "x0" } };
        struct keel_net_device keyclash[] = { { .host_name = "vA" },
                                              { .host_name = "vB", .name = "vA" } };
        struct keel_net_device twice[] = { { .host_name = "vA" }, { .host_name = "vA", .name = "y" } };
        struct keel_net_device tmpl[] = { { .host_name = "vA", .name = "e%d" },
                                          { .host_name = "vB", .name = "e%d" } };
        struct keel_net_device bad[] = { { .host_name = "vA", .name = "e%s" } };
        struct keel_linux lx;

        config_with(&lx, NULL, 0, NULL, 0);
        check_config("no_devices_no_checks", &lx, true, NULL);
        config_with(&lx, one, 1, net, 2);
        check_config("one_device_with_netns", &lx, false, NULL);
        check_config("rootless_is_refused", &lx, true,
                     "linux.netDevices: rootless keel cannot move network devices (it has no "
                     "CAP_NET_ADMIN in the runtime's network namespace)");
        config_with(&lx, one, 1, net, 1);
        check_config("no_network_namespace", &lx, false,
                     "linux.netDevices: only a container with a network namespace of its own can "
                     "have network devices (linux.namespaces has no network entry)");
        config_with(&lx, clash, 2, net, 2);
        check_config("two_entries_one_name", &lx, false,
                     "linux.netDevices[\"vB\"]: \"x0\" is also the name of "
                     "linux.netDevices[\"vA\"] in the container");
        config_with(&lx, keyclash, 2, net, 2);
        check_config("name_of_an_unrenamed_entry", &lx, false,
                     "linux.netDevices[\"vB\"]: \"vA\" is also the name of "
                     "linux.netDevices[\"vA\"] in the container");
        config_with(&lx, twice, 2, net, 2);
        check_config("key_twice", &lx, false, "linux.netDevices[\"vA\"]: listed twice");
        config_with(&lx, tmpl, 2, net, 2);
        check_config("one_template_twice_is_fine", &lx, false, NULL);
        config_with(&lx, bad, 1, net, 2);
        check_config("bad_template", &lx, false,
                     "linux.netDevices[\"vA\"].name: \"e%s\" is not a name template (one %d and "
                     "no other %)");
}

int main(void)
{
        move_request_carries_namespace_and_name();
        request_that_does_not_fit_is_refused();
        address_request_keeps_what_makes_the_address();
        link_reply_is_parsed();
        addr_reply_is_parsed();
        errors_are_read_from_nlmsgerr();
        templates_are_numbered_as_the_kernel_does();
        addresses_that_move_and_come_back();
        config_checks_refuse_by_name();
        return tap_done();
}
