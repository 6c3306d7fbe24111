/* cpuid-mask — takes over CPUID virtualize exits: shows how a plugin
 * handles a virtualize exit itself.
 *
 *   --plugin cpuid-mask.so[,vendor=STRING][,ecx_clear=MASK][,edx_clear=MASK][,max_leaf=N]
 *
 * Leaf 0: EAX = max_leaf (default: the host's), EBX/EDX/ECX = vendor (up to
 * 12 characters, padded with blanks; default: the host's vendor).  Leaf 1:
 * the host CPU's leaf 1 with the ECX/EDX bits of ecx_clear/edx_clear
 * cleared and ECX bit 31 (hypervisor present) set.  Other leaves are left
 * to scout (executed in place under KVM).  On a handled exit it sets the
 * four registers, moves RIP past the instruction and returns HANDLED.
 * Counter: handled. */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scout/plugin.h"

SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;

static char vendor[13];
static int have_vendor;
static uint32_t ecx_clear, edx_clear, max_leaf;
static int have_max_leaf;
static scout_plugin_counter *handled;

static int parse_u32(const char *s, uint32_t *v)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(s, &end, 0);
    if (errno || end == s || *end || *s == '-' || x > 0xffffffffUL)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

static int on_vexit(scout_plugin_id id, void *ud, const scout_vexit *v)
{
    uint64_t rax, rip;
    (void)ud;
    if (v->handled || strcmp(v->mnemonic, "cpuid") != 0 || v->length == 0)
        return SCOUT_VEXIT_PASS;
    if (scout_plugin_reg_read(id, SCOUT_REG_RAX, &rax) != 0 || scout_plugin_reg_read(id, SCOUT_REG_RIP, &rip) != 0) {
        scout_plugin_set_error(id, "cannot read registers at rip=0x%llx", (unsigned long long)v->rip);
        return SCOUT_PLUGIN_ERROR;
    }
    uint32_t leaf = (uint32_t)rax, a, b, c, d;
    if (leaf == 0) {
        __cpuid(0, a, b, c, d);
        if (have_max_leaf)
            a = max_leaf;
        if (have_vendor) {
            memcpy(&b, vendor, 4);
            memcpy(&d, vendor + 4, 4);
            memcpy(&c, vendor + 8, 4);
        }
    } else if (leaf == 1) {
        __cpuid(1, a, b, c, d);
        c = (c & ~ecx_clear) | 0x80000000u;
        d &= ~edx_clear;
    } else {
        return SCOUT_VEXIT_PASS;
    }
    /* 32-bit results zero-extend in 64-bit mode, as CPUID does */
    if (scout_plugin_reg_write(id, SCOUT_REG_RAX, a) || scout_plugin_reg_write(id, SCOUT_REG_RBX, b) ||
        scout_plugin_reg_write(id, SCOUT_REG_RCX, c) || scout_plugin_reg_write(id, SCOUT_REG_RDX, d) ||
        scout_plugin_reg_write(id, SCOUT_REG_RIP, rip + v->length)) {
        scout_plugin_set_error(id, "cannot set registers at rip=0x%llx", (unsigned long long)v->rip);
        return SCOUT_PLUGIN_ERROR;
    }
    scout_plugin_counter_add(id, handled, 1);
    return SCOUT_VEXIT_HANDLED;
}

SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info,
                                             int argc, const char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        size_t kl = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        const char *val = eq ? eq + 1 : "";
        if (kl == 6 && !strncmp(argv[i], "vendor", 6)) {
            size_t n = strlen(val);
            if (n == 0 || n > 12) {
                scout_plugin_set_error(id, "vendor=%s: must be 1 to 12 characters", val);
                return -1;
            }
            memset(vendor, ' ', 12);
            memcpy(vendor, val, n);
            have_vendor = 1;
        } else if (kl == 9 && !strncmp(argv[i], "ecx_clear", 9) && parse_u32(val, &ecx_clear) == 0) {
        } else if (kl == 9 && !strncmp(argv[i], "edx_clear", 9) && parse_u32(val, &edx_clear) == 0) {
        } else if (kl == 8 && !strncmp(argv[i], "max_leaf", 8) && parse_u32(val, &max_leaf) == 0) {
            have_max_leaf = 1;
        } else {
            scout_plugin_set_error(id, "%s: expected vendor=STRING, ecx_clear=MASK, edx_clear=MASK or max_leaf=N",
                                   argv[i]);
            return -1;
        }
    }
    handled = scout_plugin_counter_new(id, "handled");
    return scout_plugin_register_vexit_cb(id, on_vexit, NULL);
}
