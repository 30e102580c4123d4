/*
 * A PKCS#11 module for tests that stands for a card reader with a PIN pad: it forwards every call to
 * a real module (SCRIP_PINPAD_MODULE, e.g. SoftHSM2), reports CKF_PROTECTED_AUTHENTICATION_PATH in
 * the token's flags, and answers C_Login with no PIN as such a reader does: with what the person
 * types on its keypad — here the PIN in the file SCRIP_PINPAD_PIN_FILE. Each keypad entry is
 * recorded as a line in SCRIP_PINPAD_LOG, so a test can see the keypad was used and Scrip sent no PIN.
 * "No PIN" is NULL_PTR or a zero-length PIN (what pkcs11js can send; decision 0016). A C_Login with
 * a PIN is refused (CKR_ARGUMENTS_BAD): on a PIN-pad reader the host never has it.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pkcs11/pkcs11.h>

static CK_FUNCTION_LIST shim;
static CK_FUNCTION_LIST_PTR real = NULL;

static CK_RV shim_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
  CK_RV rv = real->C_GetTokenInfo(slot, info);
  if (rv == CKR_OK) info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
  return rv;
}

static CK_RV shim_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  if (pin != NULL_PTR && len != 0) return CKR_ARGUMENTS_BAD;
  const char *file = getenv("SCRIP_PINPAD_PIN_FILE");
  char typed[64] = { 0 };
  FILE *f = file ? fopen(file, "r") : NULL;
  if (!f) return CKR_FUNCTION_CANCELED; /* nobody at the keypad */
  size_t n = fread(typed, 1, sizeof typed - 1, f);
  fclose(f);
  while (n > 0 && (typed[n - 1] == '\n' || typed[n - 1] == '\r')) typed[--n] = 0;
  const char *log = getenv("SCRIP_PINPAD_LOG");
  FILE *l = log ? fopen(log, "a") : NULL;
  if (l) { fprintf(l, "keypad login user=%lu\n", (unsigned long)user); fclose(l); }
  return real->C_Login(h, user, (CK_UTF8CHAR_PTR)typed, (CK_ULONG)n);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out) {
  if (!out) return CKR_ARGUMENTS_BAD;
  if (!real) {
    const char *path = getenv("SCRIP_PINPAD_MODULE");
    void *lib = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!lib) return CKR_GENERAL_ERROR;
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (!get || get(&real) != CKR_OK) return CKR_GENERAL_ERROR;
    shim = *real;
    shim.C_GetTokenInfo = shim_get_token_info;
    shim.C_Login = shim_login;
  }
  *out = &shim;
  return CKR_OK;
}
