/* SPDX-License-Identifier: MIT */
#pragma once

/* One MESSAGE_ID per kind of event (made with systemd-id128 new). They are
 * part of the interface: journal filters and the catalog
 * (units/ray-usage-stats.catalog) name them, so never change one. */
#define MESSAGE_ID_DECISION          "6833ce7bf3874c538289cf1a2b19792a"
#define MESSAGE_ID_REPORT_SENT       "ad62f88d10f748c8917867ed07753ec3"
#define MESSAGE_ID_REPORT_FAILED     "53be9b8f405a44beb40a1529f242cf5b"
#define MESSAGE_ID_SETTINGS_CHANGED  "42ad5a1114a041329f470305c01306cc"
#define MESSAGE_ID_NO_SESSION        "1e3e6d83bfd34f1aa5b9283faf18f8d8"
#define MESSAGE_ID_INVALID_SETTING   "4c96e955cafd455883692a3147901800"
#define MESSAGE_ID_CLUSTER_OPTED_OUT "803a9d5dd16d4806946d5aaf13ec2aef"
#define MESSAGE_ID_REPORT_LOCAL      "2b4375590a584868a558be2ac36bd67d"
#define MESSAGE_ID_DASHBOARD_FAILED  "19f3663ac7064e5da573859b5c9cd90f"
#define MESSAGE_ID_FIELDS_CHANGED    "bc62fe4136b5483eb8ebea2dfc47c8ad"
#define MESSAGE_ID_TOKEN_NOT_USED    "4612f6988aee4ace87c63d22f10f24e0"
