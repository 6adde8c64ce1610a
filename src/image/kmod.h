/* kmod.h - kernel module closure from modules.dep. */
#ifndef POOL_KMOD_H
#define POOL_KMOD_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strv.h"

/* Pure: given the text of modules.dep, the relative paths ("kernel/drivers/
 * virtio/virtio.ko") of the modules named in `want` (names as modprobe takes
 * them: "virtio_net"; '-' and '_' are the same) and all they depend on, in
 * load order (every module after its dependencies), each once. Names that
 * modules.dep does not list are an error naming them (the caller passes
 * only modules it knows are not built in: see kmod_builtin). */
int kmod_closure(const char *dep, size_t len, const char *const *want, size_t nwant,
		 struct strv *out, struct pool_err *e);

/* Pure: whether modules.builtin text lists module `name`. */
int kmod_builtin(const char *builtin, size_t len, const char *name);

/* Pure: the length of a module file's bytes without the signature the
 * kernel's build appended ("~Module signature appended~\n" after a
 * struct module_signature and the signature itself); n when there is
 * none or the trailer does not add up. The guest kernel then loads the
 * module without checking a signature it cannot be asked to check
 * faster: the host put the module there from its own /lib/modules. */
size_t kmod_unsigned_len(const uint8_t *buf, size_t n);

/* The module's name from its path: "kernel/fs/fuse/virtiofs.ko" -> "virtiofs". */
void kmod_name(const char *path, char *out, size_t cap);

#endif
