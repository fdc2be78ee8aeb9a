// The `ctx` executable: everything lives in CoretexCLI so tests can reach it.
import CoretexCLI

await CtxMain.run()
