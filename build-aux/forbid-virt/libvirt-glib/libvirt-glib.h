/* Stands in for <libvirt-glib/libvirt-glib.h> in the layers above src/ (DESIGN.md: core_dep exports
 * GLib only). */
#error "libvirt and libxml2 belong to src/: reach them through a core function"
