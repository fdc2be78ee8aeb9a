import ArgumentParser

/// `ctx job …`: submit, inspect, list, cancel and wait for jobs.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Submit, inspect, list, cancel and wait for jobs.",
        subcommands: [JobSubmit.self, JobGet.self, JobResult.self, JobList.self, JobCancel.self, JobWait.self])
}
