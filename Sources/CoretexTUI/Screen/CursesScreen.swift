import CNCurses
import Foundation

/// The terminal through ncursesw: drawing, keys, mouse and resize.
///
/// Only one exists per process (curses is global state). Input is read on a dedicated thread
/// (`keys()`), so waiting for a key never blocks drawing or the network tasks.
public final class CursesScreen: Screen, @unchecked Sendable {
    public private(set) var rows = 24
    public private(set) var cols = 80
    let colours: Bool
    let mouse: Bool
    private let lock = NSLock()

    /// Starts curses. `colours` false (NO_COLOR) keeps only bold/reverse; `scheme` says which
    /// terminal colour draws each of the console's colours.
    public init(colours: Bool, mouse: Bool, scheme: ColourScheme = .standard) {
        setlocale(LC_ALL, "")
        initscr()
        raw()  // Ctrl-C arrives as a key, so quitting always restores the terminal
        noecho()
        nonl()
        keypad(coretex_stdscr(), true)
        nodelay(coretex_stdscr(), true)  // reads never block: the key thread polls first
        curs_set(0)
        set_escdelay(25)
        var useColour = colours && has_colors()
        if useColour {
            start_color()
            use_default_colors()
            for c in TextStyle.Colour.allCases {
                init_pair(Int16(c.rawValue), Int16(scheme.number(for: c, available: Int(coretex_COLORS()))), -1)
            }
        } else {
            useColour = false
        }
        self.colours = useColour
        self.mouse = mouse
        if mouse {
            // Clicks and the wheel; no motion events (they would wake us for nothing).
            _ = mousemask(mmask_t(coretex_ALL_MOUSE_EVENTS()), nil)
            mouseinterval(0)
        }
        rows = Int(coretex_LINES())
        cols = Int(coretex_COLS())
    }

    /// Restores the terminal exactly as it was.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        endwin()
    }

    public func clear() {
        lock.lock()
        defer { lock.unlock() }
        rows = Int(coretex_LINES())
        cols = Int(coretex_COLS())
        werase(coretex_stdscr())
    }

    public func put(_ row: Int, _ col: Int, _ text: String, _ style: TextStyle) {
        guard row >= 0, row < rows, col < cols else { return }
        var attributes = coretex_A_NORMAL()
        if style.bold { attributes |= coretex_A_BOLD() }
        if style.reverse { attributes |= coretex_A_REVERSE() }
        if colours, let c = style.colour { attributes |= coretex_COLOR_PAIR(Int32(c.rawValue)) }
        let visible = String(text.prefix(max(0, cols - max(col, 0))))
        lock.lock()
        defer { lock.unlock() }
        wattrset(coretex_stdscr(), Int32(bitPattern: attributes))
        _ = mvwaddstr(coretex_stdscr(), Int32(row), Int32(max(col, 0)), visible)
        wattrset(coretex_stdscr(), Int32(bitPattern: coretex_A_NORMAL()))
    }

    public func flush() {
        lock.lock()
        defer { lock.unlock() }
        wnoutrefresh(coretex_stdscr())
        doupdate()
    }

    /// Keys as they come, read on their own thread.
    ///
    /// curses is not thread-safe (`wgetch` refreshes the screen itself), so the key thread
    /// waits for input with poll(2) outside the lock and only calls curses under it, like
    /// the drawing code. The 100 ms poll timeout lets a resize (delivered by curses as a key
    /// on the next read) be noticed without a key press; idle, that is ten cheap wake-ups a
    /// second.
    public func keys() -> AsyncStream<Key> {
        AsyncStream { continuation in
            let thread = Thread { [self] in
                while true {
                    var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
                    _ = poll(&descriptor, 1, 100)
                    while true {
                        lock.lock()
                        let code = wgetch(coretex_stdscr())
                        let key = code == ERR ? nil : self.decode(code)
                        lock.unlock()
                        if code == ERR { break }
                        if let key { continuation.yield(key) }
                    }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func decode(_ code: Int32) -> Key? {
        switch code {
        case 10, 13, KEY_ENTER: return .enter
        case 27: return .escape
        case 9: return .tab
        case 127, 8, KEY_BACKSPACE: return .backspace
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_RESIZE:  // called with the lock held
            rows = Int(coretex_LINES())
            cols = Int(coretex_COLS())
            return .resize
        case KEY_MOUSE:
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            let state = UInt(event.bstate)
            if state & UInt(coretex_BUTTON4_PRESSED()) != 0 { return .scrollUp }
            if state & UInt(coretex_BUTTON5_PRESSED()) != 0 { return .scrollDown }
            // Press (or a synthesized click), not release: one click must act once.
            if state & UInt(coretex_BUTTON1_CLICKED() | coretex_BUTTON1_PRESSED()) != 0 {
                return .click(row: Int(event.y), col: Int(event.x))
            }
            return nil
        default:
            guard code >= 32, let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
            return .char(Character(scalar))
        }
    }
}
