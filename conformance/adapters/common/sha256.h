/* sha256.h: SHA-256 (FIPS 180-4) for the dump's `sha256:` data summaries (DUMP.md, > 64 KiB). */
#ifndef HIVEREF_ADAPTER_SHA256_H
#define HIVEREF_ADAPTER_SHA256_H
#include <stddef.h>
#include <stdint.h>
void sha256(const uint8_t *data, size_t len, uint8_t out[32]);
#endif
