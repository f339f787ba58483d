/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_BALANCE_H
#define _MNMAP_BALANCE_H

#include "datapath.h"

struct mnmap_endpoint *mnmap_pick(struct mnmap_net *mn, const struct mnmap_map *m,
				  const struct mnmap_packet *p,
				  enum mnmap_origin from);
struct mnmap_endpoint *mnmap_backend_named(const struct mnmap_map *m, u64 name_hash);
enum mnmap_drop mnmap_unpicked(const struct mnmap_map *m, const struct mnmap_packet *p);

#endif /* _MNMAP_BALANCE_H */
