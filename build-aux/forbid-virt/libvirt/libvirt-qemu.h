/* Stands in for <libvirt/libvirt-qemu.h> in the layers above src/ (DESIGN.md: core_dep exports GLib
 * only). */
#error "libvirt and libxml2 belong to src/: reach them through a core function"
