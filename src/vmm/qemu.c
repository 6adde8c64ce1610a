/* qemu.c - the QEMU -M microvm backend: the argv for a plan (vmm.h). */
#include "vmm/vmm.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

#define ADD(...) do { if (strv_addf(argv, __VA_ARGS__) < 0) return pool_err_sys(e, "argv"); } while (0)

static int qemu_argv(const struct plan *p, struct strv *argv, struct pool_err *e)
{
	const struct machine *m = p->m;
	bool kvm = p->accel.mode == ACCEL_KVM;

	ADD("%s", p->paths.qemu);
	/* microvm: no PCI, no firmware; ACPI stays on so poweroff ends QEMU. */
	ADD("-M");
	ADD("microvm,pit=on,pic=on,rtc=on");
	ADD("-accel");
	if (kvm)
		ADD("kvm");
	else	/* a host thread per vCPU; a cache that holds a build's code */
		ADD("tcg,thread=multi,tb-size=%u", p->tb_mib);
	ADD("-cpu");
	ADD("%s", kvm ? "host" : "max");
	ADD("-smp");
	ADD("%u", p->cpus);
	ADD("-m");
	ADD("%lluM", (unsigned long long)(m->memory >> 20));
	if (p->nshares) {
		/* vhost-user needs guest memory QEMU can share with virtiofsd. */
		ADD("-object");
		ADD("memory-backend-memfd,id=mem,size=%lluM,share=on", (unsigned long long)(m->memory >> 20));
		ADD("-numa");
		ADD("node,memdev=mem");
	}
	ADD("-no-reboot");	/* a reset ends QEMU; pool restarts it when the guest asked for a reboot */
	ADD("-nodefaults");
	ADD("-no-user-config");
	ADD("-display");
	ADD("none");
	ADD("-sandbox");
	ADD("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	ADD("-global");
	ADD("virtio-mmio.force-legacy=false");
	ADD("-chardev");
	ADD("socket,id=console,fd=%d", vmm_fd(VMM_SLOT_CONSOLE));
	ADD("-serial");
	ADD("chardev:console");
	ADD("-device");
	ADD("virtio-serial-device,max_ports=2");
	ADD("-chardev");
	ADD("socket,id=agent,fd=%d", vmm_fd(VMM_SLOT_AGENT));
	ADD("-device");
	ADD("virtserialport,chardev=agent,name=org.pool.agent");
	if (p->has_net) {
		const uint8_t *a = p->net.mac;

		ADD("-netdev");
		ADD("tap,id=net0,fd=%d", vmm_fd(VMM_SLOT_TAP));	/* the TAP has IFF_VNET_HDR: QEMU sees it */
		ADD("-device");
		ADD("virtio-net-device,netdev=net0,mac=%02x:%02x:%02x:%02x:%02x:%02x",
		    a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	for (size_t i = 0; i < p->nshares; i++) {
		ADD("-chardev");
		ADD("socket,id=fs%zu,fd=%d", i, vmm_fd(vmm_share_slot(i)));
		ADD("-device");
		ADD("vhost-user-fs-device,chardev=fs%zu,tag=%s", i, p->shares[i].tag);
	}
	for (size_t i = 0; i < p->nvolumes; i++) {
		/* The image comes open and locked; QEMU takes it from its fd set. */
		ADD("-add-fd");
		ADD("fd=%d,set=%d", vmm_fd(vmm_volume_slot(p, i)), vmm_fd(vmm_volume_slot(p, i)));
		ADD("-blockdev");
		ADD("driver=file,node-name=%sf,filename=/dev/fdset/%d", p->volumes[i].serial,
		    vmm_fd(vmm_volume_slot(p, i)));
		ADD("-blockdev");
		ADD("driver=raw,node-name=%s,file=%sf", p->volumes[i].serial, p->volumes[i].serial);
		ADD("-device");
		ADD("virtio-blk-device,drive=%s,serial=%s", p->volumes[i].serial, p->volumes[i].serial);
	}
	ADD("-kernel");
	ADD("/proc/self/fd/%d", vmm_fd(VMM_SLOT_KERNEL));
	ADD("-initrd");
	ADD("/proc/self/fd/%d", vmm_fd(VMM_SLOT_INITRD));
	ADD("-append");
	ADD("%s", p->cmdline);
	return 0;
}

const struct vmm_backend vmm_qemu = { .name = "qemu", .argv = qemu_argv };
