import Logging

/// Every log line of a role names it (`component`), since `dev` runs all of them in one process.
extension Logger {
    package func labelled(_ component: String) -> Logger {
        var logger = self
        logger[metadataKey: "component"] = "\(component)"
        return logger
    }
}
