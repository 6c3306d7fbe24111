/* probe.h — what the host's KVM can do, found with tiny throwaway VMs. */
#ifndef SCOUT_MONITOR_PROBE_H
#define SCOUT_MONITOR_PROBE_H
#include <stddef.h>

enum probe_io_rip { PROBE_IO_RIP_UNKNOWN, PROBE_IO_RIP_AT_OUT, PROBE_IO_RIP_PAST_OUT };

struct probe_result {
    int api_version;
    int sw_breakpoints;     /* 1: KVM_GUESTDBG_USE_SW_BP gives KVM_EXIT_DEBUG on INT3 */
    int single_step;        /* 1: KVM_GUESTDBG_SINGLESTEP gives KVM_EXIT_DEBUG per instruction */
    enum probe_io_rip io_rip;
    int nr_memslots;        /* KVM_CAP_NR_MEMSLOTS */
    int readonly_mem;       /* KVM_CAP_READONLY_MEM */
    int immediate_exit;     /* KVM_CAP_IMMEDIATE_EXIT */
    char sw_bp_detail[64], single_step_detail[64];
};

/* Opens /dev/kvm.  -1 with err = "cannot open /dev/kvm: ... — hint" */
int probe_open_kvm(char *err, size_t errlen);
/* 0 or -1 with err. */
int probe_host(struct probe_result *r, char *err, size_t errlen);
void probe_format(const struct probe_result *r, char *buf, size_t len);

#endif
