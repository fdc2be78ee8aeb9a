import CoretexCore
import CoretexInfra
import CoretexProtocol

/// A new job on its way in: recorded (its context, its PENDING meta and the packet itself, in
/// one round trip), then published on `sys.job.submit`. Every submitter goes through here —
/// the gateway, DLQ retries, the workflow engine, orchestrators — so the reconciler can
/// publish again any job that no scheduler received (core NATS keeps nothing for a subject
/// nobody listens to).
struct Submission {
    let request: Coretex_Agent_V1_JobRequest
    let traceID: String
    /// The packet, encoded once for the store and the bus.
    let bytes: [UInt8]

    init(_ request: Coretex_Agent_V1_JobRequest, traceID: String, senderID: String) {
        self.request = request
        self.traceID = traceID
        bytes = Coretex_Agent_V1_BusPacket.request(request, traceID: traceID, senderID: senderID).wireBytes
    }

    /// Creates the job (see `JobStore.create`: a duplicate id is rejected and changes nothing).
    @discardableResult
    func record(in store: JobStore, context: String?) async throws -> TransitionOutcome {
        try await store.create(request.jobID, meta: JobMeta.fields(of: request), traceID: traceID,
                               deadlineUnix: JobMeta.deadline(of: request), context: context, submission: bytes)
    }

    /// Publishes the job. If the bus refuses it, the job ends FAILED with a dead letter (its
    /// submitter gives up on it: it must not be published again later) and the error is
    /// rethrown.
    func publish(on bus: NATSBus, store: JobStore) async throws {
        do {
            try bus.publish(Subjects.submit, bytes)
        } catch {
            var change = StateChange(to: .failed, from: [.pending])
            change.deadLetter = DLQEntry(jobID: request.jobID, topic: request.topic, status: "JOB_STATUS_FAILED",
                                         reason: "failed to enqueue job: \(error)", createdAt: UnixTime.rfc3339())
            _ = try? await store.apply(request.jobID, change)
            throw error
        }
    }
}
