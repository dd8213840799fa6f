/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>

#include "http/curl-dl.h"
#include "shared/log.h"
#include "shared/macro.h"

/* The SONAME of the libcurl we were built against (libcurl4 on Debian,
 * libcurl on RPM systems). */
#define LIBCURL_SONAME "libcurl.so.4"

typeof(curl_global_init) *sym_curl_global_init;
typeof(curl_easy_init) *sym_curl_easy_init;
typeof(curl_easy_setopt) *sym_curl_easy_setopt;
typeof(curl_easy_perform) *sym_curl_easy_perform;
typeof(curl_easy_getinfo) *sym_curl_easy_getinfo;
typeof(curl_easy_strerror) *sym_curl_easy_strerror;
typeof(curl_easy_cleanup) *sym_curl_easy_cleanup;
typeof(curl_slist_append) *sym_curl_slist_append;
typeof(curl_slist_free_all) *sym_curl_slist_free_all;
typeof(curl_url) *sym_curl_url;
typeof(curl_url_set) *sym_curl_url_set;
typeof(curl_url_get) *sym_curl_url_get;
typeof(curl_url_cleanup) *sym_curl_url_cleanup;
typeof(curl_free) *sym_curl_free;
typeof(curl_multi_init) *sym_curl_multi_init;
typeof(curl_multi_add_handle) *sym_curl_multi_add_handle;
typeof(curl_multi_remove_handle) *sym_curl_multi_remove_handle;
typeof(curl_multi_perform) *sym_curl_multi_perform;
typeof(curl_multi_poll) *sym_curl_multi_poll;
typeof(curl_multi_info_read) *sym_curl_multi_info_read;
typeof(curl_multi_cleanup) *sym_curl_multi_cleanup;

#define SYMBOL(name) { #name, (void **) &sym_##name }

int curl_dl_open(void) {
        static const struct {
                const char *name;
                void **ptr;
        } symbols[] = {
                SYMBOL(curl_global_init),
                SYMBOL(curl_easy_init),
                SYMBOL(curl_easy_setopt),
                SYMBOL(curl_easy_perform),
                SYMBOL(curl_easy_getinfo),
                SYMBOL(curl_easy_strerror),
                SYMBOL(curl_easy_cleanup),
                SYMBOL(curl_slist_append),
                SYMBOL(curl_slist_free_all),
                SYMBOL(curl_url),
                SYMBOL(curl_url_set),
                SYMBOL(curl_url_get),
                SYMBOL(curl_url_cleanup),
                SYMBOL(curl_free),
                SYMBOL(curl_multi_init),
                SYMBOL(curl_multi_add_handle),
                SYMBOL(curl_multi_remove_handle),
                SYMBOL(curl_multi_perform),
                SYMBOL(curl_multi_poll),
                SYMBOL(curl_multi_info_read),
                SYMBOL(curl_multi_cleanup),
        };
        static int result = 1;
        void *dl;

        if (result <= 0)
                return result;

        /* Never unloaded: libcurl keeps global state for the process's life. */
        dl = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_NODELETE);
        if (!dl) {
                log_error("Failed to load %s (install the libcurl package): %s", LIBCURL_SONAME, dlerror());
                return result = -EOPNOTSUPP;
        }
        for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
                *symbols[i].ptr = dlsym(dl, symbols[i].name);
                if (!*symbols[i].ptr) {
                        log_error("%s lacks %s: %s", LIBCURL_SONAME, symbols[i].name, dlerror());
                        return result = -EOPNOTSUPP;
                }
        }
        return result = 0;
}
