/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_VERSION_H
#define _MNMAP_VERSION_H

#define MNMAP_VERSION "0.1.0"

#endif /* _MNMAP_VERSION_H */
