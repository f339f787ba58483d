#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module itself: load, self-tests, unload, autoload, module BTF, and a
# self-test failure that must keep the module from loading. The self-tests
# are in DEBUG builds only: with a release build (the one DKMS makes, or
# vm/run --release) their cases check that there are none.
source "$(dirname "$0")/lib.sh"

# A DEBUG build has the self-tests' failure injection parameter.
debug_build() {
	modinfo -F parm mnmap | grep "^selftest_inject_failure:" > /dev/null
}

test_load_unload() {
	modprobe mnmap
	[[ -d /sys/module/mnmap ]] || fail "not loaded"
	if debug_build; then
		dmesg | grep "netlink self-tests: pass" > /dev/null || fail "no self-test line in the log"
	else
		! dmesg | grep -Eq "(netlink|table) self-tests?:" || fail "a release build ran self-tests"
	fi
	rmmod mnmap
	[[ ! -d /sys/module/mnmap ]] || fail "still loaded"
}

test_autoload() {
	[[ ! -d /sys/module/mnmap ]] || fail "loaded before the test"
	mnmapctl host show > /dev/null
	[[ -d /sys/module/mnmap ]] || fail "the genetlink alias did not load the module"
}

test_module_btf() {
	modprobe mnmap
	[[ -s /sys/kernel/btf/mnmap ]] || fail "no module BTF: kfuncs would not register"
}

test_selftest_failure_refuses_load() {
	debug_build || skip "a release build has no self-tests"
	expect_fail "not recoverable" modprobe mnmap selftest_inject_failure=1
	[[ ! -d /sys/module/mnmap ]] || fail "loaded although a self-test failed"
	dmesg | grep "self-tests failed: refusing to load" > /dev/null || fail "no reason in the log"
}

test_unload_with_state() {
	ns a b
	ip -n a link add up0 type dummy
	mnmapctl -n a host set uplink up0 vtep 192.0.2.1
	mnmapctl -n b host set vtep 2001:db8::1 gateway 2001:db8::fe
	ip netns delete a
	rmmod mnmap
}

run_test "load and unload" test_load_unload
run_test "autoload by the genetlink alias" test_autoload
run_test "module BTF is present" test_module_btf
run_test "a failing self-test refuses the load" test_selftest_failure_refuses_load
run_test "unload with state in namespaces" test_unload_with_state
finish
