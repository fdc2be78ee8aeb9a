#pragma once
/* The wide-char API (add_wch, cchar_t, WACS_*) is declared only when NCURSES_WIDECHAR is 1.
   pkg-config's -D_XOPEN_SOURCE=600 would enable it, but SwiftPM strips -D flags from
   pkg-config output, so define it here. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/ncurses.h>
#include <locale.h>

/* Function-like and non-literal macros Swift cannot import, wrapped as static inline
   functions (Swift imports and inlines these; no C target is needed). */
static inline attr_t coretex_COLOR_PAIR(int n)     { return COLOR_PAIR(n); }
static inline attr_t coretex_A_BOLD(void)          { return A_BOLD; }
static inline attr_t coretex_A_REVERSE(void)       { return A_REVERSE; }
static inline attr_t coretex_A_UNDERLINE(void)     { return A_UNDERLINE; }
static inline attr_t coretex_A_DIM(void)           { return A_DIM; }
static inline attr_t coretex_A_NORMAL(void)        { return A_NORMAL; }
static inline WINDOW *coretex_stdscr(void)         { return stdscr; }
static inline int    coretex_LINES(void)           { return LINES; }
static inline int    coretex_COLS(void)            { return COLS; }
static inline int    coretex_COLORS(void)          { return COLORS; }
static inline int    coretex_KEY_F(int n)          { return KEY_F(n); }
static inline chtype coretex_ACS_HLINE(void)       { return ACS_HLINE; }
static inline chtype coretex_ACS_VLINE(void)       { return ACS_VLINE; }
/* printw/mvprintw are C variadics and not importable: use mvwaddstr with a Swift String. */
/* Mouse masks are macros too. */
static inline mmask_t coretex_ALL_MOUSE_EVENTS(void)  { return ALL_MOUSE_EVENTS; }
static inline mmask_t coretex_BUTTON1_CLICKED(void)   { return BUTTON1_CLICKED; }
static inline mmask_t coretex_BUTTON1_PRESSED(void)   { return BUTTON1_PRESSED; }
static inline mmask_t coretex_BUTTON1_RELEASED(void)  { return BUTTON1_RELEASED; }
static inline mmask_t coretex_BUTTON4_PRESSED(void)   { return BUTTON4_PRESSED; }
static inline mmask_t coretex_BUTTON5_PRESSED(void)   { return BUTTON5_PRESSED; }
