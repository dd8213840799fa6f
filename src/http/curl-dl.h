/* SPDX-License-Identifier: MIT */
#pragma once

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/* libcurl and the thirty-odd libraries it links cost more to load than
 * everything else `check` does, and `check`, `status` and the settings
 * commands make no network connection at all. So libcurl is opened on first
 * use, as systemd opens its optional libraries, and only http.c calls it. */

extern typeof(curl_global_init) *sym_curl_global_init;
extern typeof(curl_easy_init) *sym_curl_easy_init;
extern typeof(curl_easy_setopt) *sym_curl_easy_setopt;
extern typeof(curl_easy_perform) *sym_curl_easy_perform;
extern typeof(curl_easy_getinfo) *sym_curl_easy_getinfo;
extern typeof(curl_easy_strerror) *sym_curl_easy_strerror;
extern typeof(curl_easy_cleanup) *sym_curl_easy_cleanup;
extern typeof(curl_slist_append) *sym_curl_slist_append;
extern typeof(curl_slist_free_all) *sym_curl_slist_free_all;
extern typeof(curl_url) *sym_curl_url;
extern typeof(curl_url_set) *sym_curl_url_set;
extern typeof(curl_url_get) *sym_curl_url_get;
extern typeof(curl_url_cleanup) *sym_curl_url_cleanup;
extern typeof(curl_free) *sym_curl_free;
extern typeof(curl_multi_init) *sym_curl_multi_init;
extern typeof(curl_multi_add_handle) *sym_curl_multi_add_handle;
extern typeof(curl_multi_remove_handle) *sym_curl_multi_remove_handle;
extern typeof(curl_multi_perform) *sym_curl_multi_perform;
extern typeof(curl_multi_poll) *sym_curl_multi_poll;
extern typeof(curl_multi_info_read) *sym_curl_multi_info_read;
extern typeof(curl_multi_cleanup) *sym_curl_multi_cleanup;

/* Loads libcurl and every symbol above, once. 0, or -EOPNOTSUPP with a
 * logged reason when the library (the package's dependency) is missing. */
int curl_dl_open(void);
