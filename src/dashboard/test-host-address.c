/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "dashboard/host-address.h"

static void test_loopback_is_own(void **state) {
        struct in_addr a;

        assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &a), 1);
        assert_true(host_address_is_own(AF_INET, &a));
}

static void test_documentation_address_is_not(void **state) {
        struct in_addr a;
        struct in6_addr a6;

        /* TEST-NET-3 and the IPv6 documentation prefix: nobody's. */
        assert_int_equal(inet_pton(AF_INET, "203.0.113.254", &a), 1);
        assert_false(host_address_is_own(AF_INET, &a));
        assert_int_equal(inet_pton(AF_INET6, "2001:db8::fe", &a6), 1);
        assert_false(host_address_is_own(AF_INET6, &a6));
}

/* Every address getifaddrs() lists is one. */
static void test_every_interface_address(void **state) {
        struct ifaddrs *list = NULL;

        assert_int_equal(getifaddrs(&list), 0);
        for (struct ifaddrs *i = list; i; i = i->ifa_next) {
                if (!i->ifa_addr)
                        continue;
                if (i->ifa_addr->sa_family == AF_INET)
                        assert_true(host_address_is_own(AF_INET,
                                                        &((struct sockaddr_in *) i->ifa_addr)->sin_addr));
                else if (i->ifa_addr->sa_family == AF_INET6)
                        assert_true(host_address_is_own(AF_INET6,
                                                        &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr));
        }
        freeifaddrs(list);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_loopback_is_own),
                cmocka_unit_test(test_documentation_address_is_not),
                cmocka_unit_test(test_every_interface_address),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
