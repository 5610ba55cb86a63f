/* Stands in for <curses.h> outside ui/ (DESIGN.md: ui/ is the only curses code). */
#error "curses belongs to ui/: src/, wizards/ and main.c draw nothing"
