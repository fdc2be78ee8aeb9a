// The `ctx` executable: everything lives in CoretexCLI so tests can reach it.
import CoretexCLI
// Compiled with `-static-stdlib` (see Package.swift), this import makes the link pull in
// Foundation's static libraries and everything they need.
import Foundation

await CtxMain.run()
