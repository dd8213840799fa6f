/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* Whether addr (a struct in_addr for AF_INET, in6_addr for AF_INET6) is one
 * of this host's own interface addresses (getifaddrs()). Ray logs such an
 * address as the dashboard's when it binds every interface, and a server
 * bound there is reached on loopback too. false when the list is
 * unavailable. */
bool host_address_is_own(int family, const void *addr);
