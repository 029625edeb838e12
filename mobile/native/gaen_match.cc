// Native GAEN matching kernel (docs/protocols/gaen.md §B2, §B4) as a Node-API addon.
//
// Why native: in Node every crypto call costs microseconds of JS/C++ crossing, object and buffer allocation,
// while the work per diagnosis key is six SHA-256 compressions and 144 AES blocks (~0.5 µs with SHA-NI and
// AES-NI). This file does that loop for a whole batch in one call, using the OpenSSL that Node itself links
// (its symbols are visible to addons), so there is no extra library to install.
//
// Contract (see mobile/matching/kernel.ts): for keys [start, end) whose rolling start interval lies in
// [minRsin, maxRsin], derive RPIK = HKDF-SHA256(TEK, "", "EN-RPIK", 16), encrypt the 144 padded intervals with
// AES-128-ECB, and report (key index, interval offset) for each RPI whose first four bytes are in the
// open-addressing prefix table. Exact matching happens in TypeScript.

#define OPENSSL_SUPPRESS_DEPRECATED
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdint>
#include <cstring>

namespace {

constexpr int kBlocks = 144;
constexpr int kKeyLen = 16;

struct HmacPads {
  SHA256_CTX ipad;
  SHA256_CTX opad;
};

// HMAC key = 32 zero bytes (HKDF with no salt, RFC 5869 §2.2): the pad states are constants.
HmacPads MakeZeroKeyPads() {
  HmacPads pads;
  unsigned char block[64];
  SHA256_Init(&pads.ipad);
  std::memset(block, 0x36, sizeof block);
  SHA256_Transform(&pads.ipad, block);
  SHA256_Init(&pads.opad);
  std::memset(block, 0x5c, sizeof block);
  SHA256_Transform(&pads.opad, block);
  return pads;
}

const HmacPads kZeroKeyPads = MakeZeroKeyPads();

inline void StoreBe32(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

inline void Digest(const SHA256_CTX& c, unsigned char* out, int bytes) {
  for (int i = 0; i < bytes / 4; i++) StoreBe32(out + 4 * i, c.h[i]);
}

// One compression of `msg` (msgLen ≤ 55 bytes) after a 64-byte pad block: the message is always one block.
inline void FinalBlock(SHA256_CTX* c, const unsigned char* msg, int msgLen) {
  unsigned char block[64];
  std::memcpy(block, msg, msgLen);
  block[msgLen] = 0x80;
  std::memset(block + msgLen + 1, 0, 64 - msgLen - 1 - 4);
  StoreBe32(block + 60, static_cast<uint32_t>((64 + msgLen) * 8));
  SHA256_Transform(c, block);
}

void DeriveRpik(const unsigned char* tek, unsigned char* rpik) {
  static const unsigned char kInfo[8] = {'E', 'N', '-', 'R', 'P', 'I', 'K', 0x01};
  unsigned char inner[32];
  unsigned char prk[32];
  unsigned char block[64];

  SHA256_CTX c = kZeroKeyPads.ipad;  // extract: PRK = HMAC(zeros32, TEK)
  FinalBlock(&c, tek, kKeyLen);
  Digest(c, inner, 32);
  c = kZeroKeyPads.opad;
  FinalBlock(&c, inner, 32);
  Digest(c, prk, 32);

  SHA256_CTX ki, ko;  // expand: OKM = HMAC(PRK, info ‖ 0x01)[0..16]
  SHA256_Init(&ki);
  for (int i = 0; i < 32; i++) block[i] = prk[i] ^ 0x36;
  std::memset(block + 32, 0x36, 32);
  SHA256_Transform(&ki, block);
  SHA256_Init(&ko);
  for (int i = 0; i < 32; i++) block[i] = prk[i] ^ 0x5c;
  std::memset(block + 32, 0x5c, 32);
  SHA256_Transform(&ko, block);
  FinalBlock(&ki, kInfo, sizeof kInfo);
  Digest(ki, inner, 32);
  FinalBlock(&ko, inner, 32);
  unsigned char okm[32];
  Digest(ko, okm, 32);
  std::memcpy(rpik, okm, kKeyLen);
}

inline uint32_t LoadLe32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

void InitPadded(unsigned char* padded) {
  for (int j = 0; j < kBlocks; j++) {
    unsigned char* b = padded + 16 * j;
    std::memcpy(b, "EN-RPI", 6);
    std::memset(b + 6, 0, 10);
  }
}

inline void SetIntervals(unsigned char* padded, int32_t rsin) {
  for (int j = 0; j < kBlocks; j++) {
    uint32_t v = static_cast<uint32_t>(rsin + j);
    unsigned char* b = padded + 16 * j + 12;
    b[0] = static_cast<unsigned char>(v);
    b[1] = static_cast<unsigned char>(v >> 8);
    b[2] = static_cast<unsigned char>(v >> 16);
    b[3] = static_cast<unsigned char>(v >> 24);
  }
}

// Per-thread AES state: worker threads each load the addon and call it concurrently.
struct AesEcb {
  EVP_CIPHER* cipher = nullptr;
  EVP_CIPHER_CTX* ctx = nullptr;
  bool ok = false;

  AesEcb() {
    cipher = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
    ctx = EVP_CIPHER_CTX_new();
    static const unsigned char zero[16] = {0};
    ok = cipher && ctx && EVP_EncryptInit_ex2(ctx, cipher, zero, nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
  }
  ~AesEcb() {
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
  }
  // Re-keys the context (no cipher lookup) and encrypts all blocks in one call.
  bool Encrypt(const unsigned char* key, const unsigned char* in, unsigned char* out, int len) {
    int outl = 0;
    return EVP_EncryptInit_ex2(ctx, nullptr, key, nullptr, nullptr) == 1 &&
           EVP_EncryptUpdate(ctx, out, &outl, in, len) == 1 && outl == len;
  }
};

AesEcb& ThreadAes() {
  thread_local AesEcb aes;
  return aes;
}

// --- N-API glue ---------------------------------------------------------------------------------------------

bool GetTyped(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok) return false;
  return type == want || (want == napi_uint8_array && type == napi_uint8_clamped_array);
}

napi_value Throw(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

// findCandidates(keyData, rsin, start, end, table, zeroPrefix, filter, filterShift, minRsin, maxRsin, out) → count
napi_value FindCandidates(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 11) return Throw(env, "findCandidates expects 11 arguments");
  unsigned char* keys;
  int32_t* rsin;
  uint32_t* table;
  uint32_t* filter;
  uint32_t* out;
  size_t keysLen, rsinLen, tableLen, filterLen, outLen;
  if (!GetTyped(env, argv[0], napi_uint8_array, reinterpret_cast<void**>(&keys), &keysLen) ||
      !GetTyped(env, argv[1], napi_int32_array, reinterpret_cast<void**>(&rsin), &rsinLen) ||
      !GetTyped(env, argv[4], napi_uint32_array, reinterpret_cast<void**>(&table), &tableLen) ||
      !GetTyped(env, argv[6], napi_uint32_array, reinterpret_cast<void**>(&filter), &filterLen) ||
      !GetTyped(env, argv[10], napi_uint32_array, reinterpret_cast<void**>(&out), &outLen)) {
    return Throw(env, "findCandidates: wrong argument types");
  }
  int64_t start, end, minRsin, maxRsin;
  uint32_t filterShift;
  bool zeroPrefix;
  if (napi_get_value_int64(env, argv[2], &start) != napi_ok || napi_get_value_int64(env, argv[3], &end) != napi_ok ||
      napi_get_value_bool(env, argv[5], &zeroPrefix) != napi_ok ||
      napi_get_value_uint32(env, argv[7], &filterShift) != napi_ok ||
      napi_get_value_int64(env, argv[8], &minRsin) != napi_ok ||
      napi_get_value_int64(env, argv[9], &maxRsin) != napi_ok) {
    return Throw(env, "findCandidates: wrong argument types");
  }
  if (start < 0 || end < start || static_cast<size_t>(end) > rsinLen ||
      static_cast<size_t>(end) * kKeyLen > keysLen || tableLen == 0 || (tableLen & (tableLen - 1)) != 0 ||
      filterShift < 2 || filterShift > 27 || filterLen * 32 < (static_cast<size_t>(1) << (32 - filterShift))) {
    return Throw(env, "findCandidates: ranges out of bounds or table/filter sizes inconsistent");
  }
  AesEcb& aes = ThreadAes();
  if (!aes.ok) return Throw(env, "findCandidates: OpenSSL AES-128-ECB unavailable");

  const uint32_t mask = static_cast<uint32_t>(tableLen - 1);
  unsigned char padded[kBlocks * 16];
  unsigned char rpis[kBlocks * 16];
  unsigned char rpik[kKeyLen];
  InitPadded(padded);
  int64_t paddedRsin = INT64_MIN;
  uint32_t found = 0;
  for (int64_t i = start; i < end; i++) {
    const int32_t r = rsin[i];
    if (r < minRsin || r > maxRsin) continue;
    if (r != paddedRsin) {
      SetIntervals(padded, r);
      paddedRsin = r;
    }
    DeriveRpik(keys + kKeyLen * i, rpik);
    if (!aes.Encrypt(rpik, padded, rpis, sizeof rpis)) return Throw(env, "findCandidates: AES failed");
    for (int j = 0; j < kBlocks; j++) {
      const uint32_t p = LoadLe32(rpis + 16 * j);
      bool hit = false;
      const uint32_t bit = p >> filterShift;
      if (p == 0) {
        hit = zeroPrefix;
      } else if ((filter[bit >> 5] >> (bit & 31)) & 1) {
        for (uint32_t slot = p & mask; table[slot] != 0; slot = (slot + 1) & mask) {
          if (table[slot] == p) {
            hit = true;
            break;
          }
        }
      }
      if (hit) {
        if (2 * static_cast<size_t>(found) + 1 < outLen) {
          out[2 * found] = static_cast<uint32_t>(i);
          out[2 * found + 1] = static_cast<uint32_t>(j);
        }
        found++;
      }
    }
  }
  napi_value result;
  napi_create_uint32(env, found, &result);
  return result;
}

// deriveRpis(keyData, rsin, count, out): 144 RPIs per key, for cross-checking against the TS path.
napi_value DeriveRpis(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  unsigned char* keys;
  int32_t* rsin;
  unsigned char* out;
  size_t keysLen, rsinLen, outLen;
  int64_t count;
  if (argc != 4 || !GetTyped(env, argv[0], napi_uint8_array, reinterpret_cast<void**>(&keys), &keysLen) ||
      !GetTyped(env, argv[1], napi_int32_array, reinterpret_cast<void**>(&rsin), &rsinLen) ||
      napi_get_value_int64(env, argv[2], &count) != napi_ok ||
      !GetTyped(env, argv[3], napi_uint8_array, reinterpret_cast<void**>(&out), &outLen)) {
    return Throw(env, "deriveRpis: wrong arguments");
  }
  if (count < 0 || static_cast<size_t>(count) > rsinLen || static_cast<size_t>(count) * kKeyLen > keysLen ||
      static_cast<size_t>(count) * kBlocks * 16 > outLen) {
    return Throw(env, "deriveRpis: ranges out of bounds");
  }
  AesEcb& aes = ThreadAes();
  if (!aes.ok) return Throw(env, "deriveRpis: OpenSSL AES-128-ECB unavailable");
  unsigned char padded[kBlocks * 16];
  unsigned char rpik[kKeyLen];
  InitPadded(padded);
  for (int64_t i = 0; i < count; i++) {
    SetIntervals(padded, rsin[i]);
    DeriveRpik(keys + kKeyLen * i, rpik);
    if (!aes.Encrypt(rpik, padded, out + i * kBlocks * 16, sizeof padded)) return Throw(env, "deriveRpis: AES failed");
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"findCandidates", nullptr, FindCandidates, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"deriveRpis", nullptr, DeriveRpis, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
