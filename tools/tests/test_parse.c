// SPDX-License-Identifier: GPL-2.0
/* Unit tests of mnmapctl's parsers, as TAP. Built with ASan and UBSan. */
#define TAP_NAME "parse"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"

static void test_ports(void)
{
	uint16_t a = 0, b = 0;

	check(!parse_port_range("80", &a, &b) && a == 80 && b == 80, "single port");
	check(!parse_port_range("1024-2047", &a, &b) && a == 1024 && b == 2047, "port range");
	check(!parse_port_range("65535", &a, &b) && a == 65535, "port 65535");
	check(parse_port_range("0", &a, &b), "port 0 refused");
	check(parse_port_range("65536", &a, &b), "port 65536 refused");
	check(parse_port_range("2000-1000", &a, &b), "inverted range refused");
	check(parse_port_range("-5", &a, &b), "missing first port refused");
	check(parse_port_range("5-", &a, &b), "missing last port refused");
	check(parse_port_range("8o", &a, &b), "non-digit refused");
	check(parse_port_range("+80", &a, &b), "sign refused");
	check(parse_port_range("123456789-1", &a, &b), "long first part refused");
	check(parse_port_range("", &a, &b), "empty refused");
}

static void test_mac(void)
{
	uint8_t mac[6] = { 0 };
	char buf[18];

	check(!parse_mac("02:00:0a:0B:ff:01", mac) && mac[3] == 0x0b && mac[4] == 0xff,
	      "MAC parsed");
	check(!strcmp(mac_str(mac, buf), "02:00:0a:0b:ff:01"), "MAC printed");
	check(parse_mac("02:00:0a:0b:ff", mac), "short MAC refused");
	check(parse_mac("02:00:0a:0b:ff:01:02", mac), "long MAC refused");
	check(parse_mac("02-00-0a-0b-ff-01", mac), "dashes refused");
	check(parse_mac("0g:00:0a:0b:ff:01", mac), "non-hex refused");
	check(parse_mac("2:000:0a:0b:ff:01", mac), "misaligned refused");
}

static void test_addr(void)
{
	struct addr a = { 0 };
	char buf[64];

	check(!parse_addr("192.0.2.1", &a) && a.family == AF_INET && addr_len(&a) == 4,
	      "IPv4 address");
	check(!parse_addr("2001:db8::1", &a) && a.family == AF_INET6 && addr_len(&a) == 16,
	      "IPv6 address");
	check(!strcmp(addr_str(AF_INET6, a.bytes, buf, sizeof(buf)), "2001:db8::1"),
	      "IPv6 printed");
	check(parse_addr("192.0.2.256", &a), "bad IPv4 refused");
	check(parse_addr("192.0.2.1/32", &a), "prefix refused");
	check(parse_addr("host", &a), "name refused");
}

static void test_names(void)
{
	char long_name[66];

	check(!parse_name("web-1.a_b:c"), "name with every allowed character");
	check(parse_name(""), "empty name refused");
	check(parse_name("a b"), "space refused");
	check(parse_name("a/b"), "slash refused");
	memset(long_name, 'x', 64);
	long_name[64] = '\0';
	check(!parse_name(long_name), "64 characters accepted");
	long_name[64] = 'x';
	long_name[65] = '\0';
	check(parse_name(long_name), "65 characters refused");
}

static void test_uint(void)
{
	uint64_t v = 0;

	check(!parse_uint("16777215", 16777215, &v) && v == 16777215, "uint at max");
	check(parse_uint("16777216", 16777215, &v), "uint above max refused");
	check(parse_uint("99999999999999999999999", UINT64_MAX, &v), "overflow refused");
	check(parse_uint("-1", 10, &v), "negative refused");
}

int main(void)
{
	test_ports();
	test_mac();
	test_addr();
	test_names();
	test_uint();
	printf("1..%d\n", num);
	return failed ? 1 : 0;
}
