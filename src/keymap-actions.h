/* Every action a key can be bound to: one table, used by the keymap parser, dispatch and help. */
#pragma once

#include <glib.h>

/* X(ID, name in keymap files, help text) -- help texts are N_() and translated at display. */
#define NV_ACTIONS(X)                                                                              \
    X(NONE, "none", N_("Do nothing (unbinds a key)"))                                              \
    X(QUIT, "quit", N_("Quit ncvirt"))                                                             \
    X(PANE_DOMAINS, "pane-domains", N_("Show the Domains pane"))                                   \
    X(PANE_STORAGE, "pane-storage", N_("Show the Storage pane"))                                   \
    X(PANE_NETWORKS, "pane-networks", N_("Show the Networks pane"))                                \
    X(PANE_HOST, "pane-host", N_("Show the Hosts pane"))                                           \
    X(PANE_NEXT, "pane-next", N_("Next pane"))                                                     \
    X(PANE_PREV, "pane-prev", N_("Previous pane"))                                                 \
    X(HOST_SCOPE, "host-scope", N_("Show one host, the next, then all hosts again"))               \
    X(UP, "up", N_("Move up"))                                                                     \
    X(DOWN, "down", N_("Move down"))                                                               \
    X(PAGE_UP, "page-up", N_("Move one page up"))                                                  \
    X(PAGE_DOWN, "page-down", N_("Move one page down"))                                            \
    X(HOME, "home", N_("Go to the first row"))                                                     \
    X(END, "end", N_("Go to the last row"))                                                        \
    X(DETAILS, "details", N_("Focus the details of the selected row"))                             \
    X(BACK, "back", N_("Leave details, close help, or clear the filter"))                          \
    X(FILTER, "filter", N_("Filter the list by name or title"))                                    \
    X(FILTER_DONE, "filter-done", N_("Keep the filter and return to the list"))                    \
    X(FILTER_CANCEL, "filter-cancel", N_("Clear the filter"))                                      \
    X(FILTER_ERASE, "filter-erase", N_("Erase the last character of the filter"))                  \
    X(HELP, "help", N_("Show the key bindings of this context"))                                   \
    X(REFRESH, "refresh", N_("Reload every list from the host"))                                   \
    X(REDRAW, "redraw", N_("Redraw the screen"))                                                   \
    X(CONSOLE, "console", N_("Open the serial console of the selected domain"))                    \
    X(VNC, "vnc", N_("Open the graphical (VNC) console of the selected domain"))                   \
    X(CONSOLE_EXIT, "console-exit", N_("Leave the console and return to the list"))                \
    X(CONSOLE_FORCE, "console-force", N_("Take over a console another client holds"))              \
    X(SCROLL_UP, "scroll-up", N_("Scroll the console back one page"))                              \
    X(SCROLL_DOWN, "scroll-down", N_("Scroll the console forward one page"))                       \
    X(VNC_MENU, "vnc-menu", N_("Open the VNC menu (leave, send key, screenshot, mode)"))           \
    X(SEND_KEY, "send-key", N_("Send a key combination a terminal cannot type"))                   \
    X(SCREENSHOT, "screenshot", N_("Save the display as a PNG file"))                              \
    X(CELL_MODE, "cell-mode", N_("Cycle the drawing mode: half blocks, quadrants, sextants"))      \
    X(ACCEPT, "accept", N_("Accept the dialog"))                                                   \
    X(CANCEL, "cancel", N_("Cancel the dialog"))                                                   \
    X(YES, "yes", N_("Answer yes"))                                                                \
    X(NO, "no", N_("Answer no"))                                                                   \
    X(MARK, "mark", N_("Mark or unmark the row"))                                                  \
    X(MARK_ALL, "mark-all", N_("Mark every visible row, or unmark all"))                           \
    X(START, "start", N_("Start the domain (restores a managed save)"))                            \
    X(SHUTDOWN, "shutdown", N_("Shut the domain down (ACPI or guest agent)"))                      \
    X(REBOOT, "reboot", N_("Reboot the domain"))                                                   \
    X(RESET, "reset", N_("Reset the domain at once (like the reset button)"))                      \
    X(FORCE_OFF, "force-off", N_("Force the domain off (pull the plug)"))                          \
    X(PAUSE, "pause", N_("Pause a running domain, resume a paused one"))                           \
    X(MANAGED_SAVE, "managed-save", N_("Save the domain's memory to disk and stop it"))            \
    X(AUTOSTART, "autostart", N_("Turn autostart on or off"))                                      \
    X(RENAME, "rename", N_("Rename the domain (when shut off)"))                                   \
    X(DELETE, "delete", N_("Delete the domain, and the storage you choose"))                       \
    X(EDIT_XML, "edit-xml", N_("Edit the domain's XML in $EDITOR"))                                \
    X(EDIT, "edit", N_("Edit vCPUs, memory, boot, disks, NICs and graphics"))                      \
    X(SNAPSHOTS, "snapshots", N_("Show the domain's snapshots"))                                   \
    X(CLONE, "clone", N_("Clone the domain (one or many copies)"))                                 \
    X(MIGRATE, "migrate", N_("Migrate the domains to another host (live or offline)"))             \
    X(MIGRATE_POSTCOPY, "migrate-postcopy", N_("Switch the domain's migration to post-copy"))      \
    X(SNAPSHOT_CREATE, "snapshot-create", N_("Take a new snapshot of the domain"))                 \
    X(SNAPSHOT_REVERT, "snapshot-revert", N_("Revert the domain to the selected snapshot"))        \
    X(SNAPSHOT_DELETE, "snapshot-delete", N_("Delete the selected snapshot (or its subtree)"))     \
    X(SORT, "sort", N_("Sort the list by the next column"))                                        \
    X(SORT_REVERSE, "sort-reverse", N_("Reverse the sort order"))                                  \
    X(JOB_CANCEL, "job-cancel", N_("Cancel the running job (where libvirt allows it)"))            \
    X(APPLY, "apply", N_("Apply the changed fields of the form"))                                  \
    X(FIELD_NEXT, "field-next", N_("Move to the next field"))                                      \
    X(FIELD_PREV, "field-prev", N_("Move to the previous field"))                                  \
    X(COMPLETE, "complete", N_("Complete the path in the field from the filesystem"))              \
    X(REMOVE_ITEM, "remove-item", N_("Remove the selected disk or NIC from the domain"))           \
    X(NEW_VM, "new-vm", N_("Create a virtual machine (wizard)"))                                   \
    X(NEW_POOL, "new-pool", N_("Create a storage pool (wizard)"))                                  \
    X(NEW_VOLUME, "new-volume", N_("Create a volume in the selected pool (wizard)"))               \
    X(NEW_NETWORK, "new-network", N_("Create a virtual network (wizard)"))                         \
    X(NET_START, "net-start", N_("Start the selected virtual network"))                            \
    X(NET_STOP, "net-stop", N_("Stop the network (guests on it lose their link)"))                 \
    X(NET_AUTOSTART, "net-autostart", N_("Turn the network's autostart on or off"))                \
    X(NET_DELETE, "net-delete", N_("Delete the network (stopped first)"))                          \
    X(NET_LEASES, "net-leases", N_("Show the DHCP leases of the network"))                         \
    X(POOL_START, "pool-start", N_("Start the storage pool"))                                      \
    X(POOL_STOP, "pool-stop", N_("Stop the storage pool (its data stays)"))                        \
    X(POOL_BUILD, "pool-build", N_("Build the pool (its directory, disk label or LVM group)"))     \
    X(POOL_REFRESH, "pool-refresh", N_("Rescan the pool's volumes"))                               \
    X(POOL_AUTOSTART, "pool-autostart", N_("Turn the pool's autostart on or off"))                 \
    X(POOL_DELETE, "pool-delete", N_("Delete the pool: its definition only, or its data too"))     \
    X(VOLUME_DELETE, "volume-delete", N_("Delete the selected volume"))                            \
    X(VOLUME_RESIZE, "volume-resize", N_("Resize the selected volume"))                            \
    X(VOLUME_WIPE, "volume-wipe", N_("Overwrite the selected volume with zeros"))                  \
    X(VOLUME_UPLOAD, "volume-upload", N_("Upload a local file into the selected volume"))          \
    X(WIZARD_NEXT, "wizard-next", N_("Go to the next wizard step (or create, on the summary)"))    \
    X(WIZARD_BACK, "wizard-back", N_("Go back one wizard step"))                                   \
    X(CONN_ADD, "conn-add", N_("Add a connection to a host (wizard; saved in the config file)"))   \
    X(CONN_EDIT, "conn-edit", N_("Edit the selected connection (wizard)"))                         \
    X(CONN_REMOVE, "conn-remove", N_("Remove the selected connection from the config file"))       \
    X(CONN_CONNECT, "conn-connect", N_("Connect to the selected saved host"))                      \
    X(CONN_DISCONNECT, "conn-disconnect", N_("Disconnect from the selected host (it stays saved)"))

typedef enum {
#define NV_ACTION_ENUM(id, name, help) NV_ACTION_##id,
    NV_ACTIONS(NV_ACTION_ENUM)
#undef NV_ACTION_ENUM
        NV_ACTION_COUNT
} NvAction;

const char *nv_action_name(NvAction action);
/* Untranslated help text: pass it through _() to show it. */
const char *nv_action_help(NvAction action);
gboolean nv_action_from_name(const char *name, NvAction *out);
