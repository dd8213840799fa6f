/* SPDX-License-Identifier: MIT */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dashboard/host-address.h"
#include "shared/macro.h"

bool host_address_is_own(int family, const void *addr) {
        struct ifaddrs *list = NULL;
        bool found = false;

        assert(family == AF_INET || family == AF_INET6);
        assert(addr);

        if (getifaddrs(&list) < 0)
                return false;
        for (struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != family)
                        continue;
                if (family == AF_INET)
                        found = memcmp(&((struct sockaddr_in *) i->ifa_addr)->sin_addr, addr,
                                       sizeof(struct in_addr)) == 0;
                else
                        found = memcmp(&((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr, addr,
                                       sizeof(struct in6_addr)) == 0;
        }
        freeifaddrs(list);
        return found;
}
