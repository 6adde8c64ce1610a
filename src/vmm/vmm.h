/* vmm.h - hypervisor backends: build the argv that boots a plan. */
#ifndef POOL_VMM_H
#define POOL_VMM_H

#include "plan.h"

/* QEMU -M microvm. Appends to p->argv. */
int qemu_argv(struct plan *p, struct pool_err *e);

#endif
