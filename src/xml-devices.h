/* Every disk source, interface and display kind libvirt knows, described in one place: the
 * details pane, the editor, clone, delete and snapshot code all read a device through these, so
 * a kind is handled (and shown with its real source) once. Pure: libxml2 nodes in, GLib out. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "model.h"

/* What a <disk>'s <source> is. */
typedef struct {
    NvDiskKind kind;
    char *path;     /* file, block, dir: the path; vhostuser: the socket; "" otherwise */
    char *pool;     /* volume: the pool; "" otherwise */
    char *volume;   /* volume: the volume's name in it */
    char *protocol; /* network: rbd, iscsi, nbd, gluster, http, https, ...; "" otherwise */
    char *name;     /* network: the image or export ("pool/image", "iqn.../1") */
    char *hosts;    /* network: "mon1:6789, mon2"; "" when none is named */
    char *nvme;     /* nvme: "0000:01:00.0 namespace 1" */
    char *display;  /* what the user reads; "" for an empty drive */
} NvDiskSource;

void nv_disk_source_clear(NvDiskSource *s);
/* Reads `disk` (a <disk> element). Unknown types become NV_DISK_KIND_OTHER, shown with their type.
 */
void nv_disk_source_read(const xmlNode *disk, NvDiskSource *out);
/* "nvme 0000:01:00.0 namespace 1" etc. for a <disk>, owned by the caller. */
char *nv_disk_source_describe(const xmlNode *disk);

/* What an <interface> connects to, as the user reads it: "default", "br0", "eth0 (vepa)",
 * "vhost-user /run/sock (client)", "udp 127.0.0.1:5555 → 192.0.2.1:5556", "pci 0000:03:00.1",
 * "user-mode". Never "" for a known kind. */
char *nv_nic_source_describe(const xmlNode *iface);

/* Where a <graphics> display listens: an address, "socket /path", "network NAME", "none";
 * "" when it says nothing (libvirt's default address). */
char *nv_graphics_listen_describe(const xmlNode *graphics);
