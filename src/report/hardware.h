/* SPDX-License-Identifier: MIT */
#pragma once

/* Ray truncates the CPU model to its first 50 characters. */
#define CPU_MODEL_MAX_CHARS 50

/* Ray's get_current_node_cpu_model_name()[:50]: the first line of cpuinfo_path
 * (/proc/cpuinfo) that starts with "model name", the text between its first and
 * second ":" with surrounding whitespace stripped, cut after 50 characters
 * (code points, never inside a UTF-8 sequence). *ret is NULL when there is no
 * such line, the line has no ":", the value is empty or not UTF-8 (Ray then
 * records nothing). Returns 0, or a negative errno when the file cannot be read. */
int hardware_cpu_model(const char *cpuinfo_path, char **ret);

/* "glibc:<version>", as Ray's f"{lib}:{ver}" from platform.libc_ver(). */
int libc_version(char **ret);
