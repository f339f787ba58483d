# SPDX-License-Identifier: GPL-2.0
#
#   make              mnmap.ko for KVER (default: newest Debian 6.1), mnmapctl and mnmapd
#   make demo         boot the test VM and run the narrated demo
#   make check        unit tests, style gates, kernel selftests on 6.1 and 6.12
#   make check-debug  the kernel selftests on a KASAN/lockdep/kmemleak kernel
#   make bench        benchmarks in the VM; report in bench/results/
#   make deb          build/deb/mnmap-dkms_VERSION_all.deb (module source, DKMS)
#                     and build/deb/mnmap-tools_VERSION_ARCH.deb; lintian checks them
#   make install      install mnmap.ko for KVER, mnmapctl, mnmapd and its systemd unit,
#                     man pages, completion, the CNI plugin (hosts without packages;
#                     make uninstall)
#   make deps         install the Debian packages all of this needs
#
# DEBUG=1 builds the module with -DDEBUG (in-module self-tests at load).

KVER ?= $(shell scripts/kernels 6.1 2>/dev/null)
DEBUG ?= 0
PREFIX ?= /usr/local
DESTDIR ?=

build_flags := $(if $(filter 1,$(DEBUG)),--debug)

all: deps-ok module tools

deps:
	scripts/deps

# Quietly installs what is missing (as root), or says what is.
deps-ok:
	@scripts/deps

module: deps-ok uapi-ok
	@scripts/build-module $(build_flags) $(KVER)

tools: uapi-ok
	@$(MAKE) -s -C tools

uapi:
	scripts/genl-uapi Documentation/netlink/mnmap.yaml > include/uapi/linux/mnmap.h

uapi-ok:
	@scripts/genl-uapi --check Documentation/netlink/mnmap.yaml include/uapi/linux/mnmap.h

check: deps-ok
	@selftests/check

check-debug: deps-ok
	@selftests/check --debug-kernel

demo: deps-ok
	selftests/vm/run -- demo/demo.sh

# Benchmarks run in the VM (a release build) and write bench/results/.
bench: deps-ok
	scripts/deps --bench
	selftests/vm/run --release --memory 4096 --timeout 5400 --out bench/results -- bench/run

deb: deps-ok uapi-ok
	scripts/deb

install: module tools
	install -D -m 0644 build/$(KVER)/kmod/mnmap.ko $(DESTDIR)/lib/modules/$(KVER)/updates/mnmap.ko
	install -D -m 0755 build/tools/mnmapctl $(DESTDIR)$(PREFIX)/sbin/mnmapctl
	install -D -m 0644 Documentation/mnmapctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/mnmapctl.8
	install -D -m 0644 tools/completion.bash $(DESTDIR)/usr/share/bash-completion/completions/mnmapctl
	install -D -m 0755 build/tools/mnmapd $(DESTDIR)$(PREFIX)/sbin/mnmapd
	install -D -m 0644 Documentation/mnmapd.8 $(DESTDIR)$(PREFIX)/share/man/man8/mnmapd.8
	install -d $(DESTDIR)/lib/systemd/system
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' tools/mnmapd.service > $(DESTDIR)/lib/systemd/system/mnmapd.service
	# The host's flags are the admin's: an existing file is kept.
	test -e $(DESTDIR)/etc/default/mnmapd || \
		install -D -m 0644 tools/mnmapd.default $(DESTDIR)/etc/default/mnmapd
	install -D -m 0755 cni/mnmap $(DESTDIR)/usr/lib/cni/mnmap
	$(if $(DESTDIR),,depmod -a $(KVER))

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/mnmap.ko $(DESTDIR)$(PREFIX)/sbin/mnmapctl \
		$(DESTDIR)$(PREFIX)/share/man/man8/mnmapctl.8 \
		$(DESTDIR)/usr/share/bash-completion/completions/mnmapctl $(DESTDIR)/usr/lib/cni/mnmap \
		$(DESTDIR)$(PREFIX)/sbin/mnmapd $(DESTDIR)$(PREFIX)/share/man/man8/mnmapd.8 \
		$(DESTDIR)/lib/systemd/system/mnmapd.service
	$(if $(DESTDIR),,depmod -a $(KVER))

clean:
	rm -rf build

.PHONY: all deps deps-ok module tools uapi uapi-ok check check-debug demo bench deb install uninstall \
	clean
