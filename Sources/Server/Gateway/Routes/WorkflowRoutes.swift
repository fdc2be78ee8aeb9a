import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import CoretexWorkflows
import Foundation
import Hummingbird
import HummingbirdWebSocket

extension Gateway {
    /// What makes two run starts the same: the workflow, where it runs, and its input.
    static func runFingerprint(workflow: String, org: String, team: String, input: JSONValue?) -> Data {
        let start: JSONValue = .object(["workflow": .string(workflow), "org": .string(org), "team": .string(team), "input": input ?? .null])
        return (try? JSONEncoder.sorted.encode(start)) ?? Data()
    }

    /// Workflows, runs, approvals (docs/http-api.md, "Workflows"), with up-front validation,
    /// 404 for what does not exist and 409 for what the run's status forbids.
    func addWorkflowRoutes(_ router: Router<BasicWebSocketRequestContext>) {
        router.get("/api/v1/workflows") { request, _ in
            let org = request.uri.queryParameters.get("org_id").flatMap { $0.isEmpty ? nil : String($0) }
            return JSONResponse(try await self.storeCall { try await self.workflows.store.workflows(org: org, limit: 100) })
        }

        router.post("/api/v1/workflows") { request, _ in
            var workflow = try await self.decode(Workflow.self, from: request)
            if workflow.orgID.isEmpty { workflow.orgID = self.settings.tenantID }
            do {
                let saved = try await self.storeCall { try await self.workflows.save(workflow) }
                return JSONResponse(CreateWorkflowResponse(id: saved.id), status: .created)
            } catch let issue as WorkflowValidation.Issue {
                throw APIFailure.badRequest("invalid workflow: \(issue)", code: "invalid_workflow")
            }
        }

        router.get("/api/v1/workflows/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let workflow = try await self.storeCall({ try await self.workflows.workflow(id) }) else {
                throw APIFailure.notFound("workflow \(id) not found")
            }
            return JSONResponse(workflow)
        }

        router.post("/api/v1/workflows/{id}/runs") { request, context in
            let id = try context.parameters.require("id")
            let key = try self.idempotencyKey(request)
            let body = try await self.body(of: request)
            var input: JSONValue?
            if !body.isEmpty {
                guard let value = JSONValue.parse(body) else {
                    throw APIFailure.badRequest("invalid json: the run input must be a JSON object", code: "invalid_json")
                }
                guard value.isObject || value == .null else {
                    throw APIFailure.badRequest("the run input must be a JSON object", code: "invalid_input")
                }
                input = value == .null ? nil : value
            }
            guard let workflow = try await self.storeCall({ try await self.workflows.workflow(id) }) else {
                throw APIFailure.notFound("workflow \(id) not found")
            }
            let q = request.uri.queryParameters
            let org = q.get("org_id").flatMap { $0.isEmpty ? nil : String($0) } ?? self.settings.tenantID
            let team = q.get("team_id").map { String($0) } ?? ""
            let runID = JobLifecycle.newID()
            let started = try await self.once(
                key: key, scope: "runs", fingerprint: Self.runFingerprint(workflow: id, org: org, team: team, input: input), id: runID,
                traceID: runID
            ) {
                _ = try await self.storeCall {
                    try await self.workflows.startRun(of: workflow, input: input, org: org, team: team, id: runID)
                }
            }
            return JSONResponse(StartRunResponse(runID: started.id))
        }

        router.get("/api/v1/workflows/{id}/runs") { request, context in
            let id = try context.parameters.require("id")
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) }.map { min(max($0, 1), 1000) } ?? 100
            return JSONResponse(
                try await self.storeCall {
                    try await self.workflows.store.runs(try await self.workflows.store.runIDs(in: WorkflowKeys.runsOf(id), limit: limit))
                })
        }

        router.get("/api/v1/workflow-runs") { request, _ in
            let q = request.uri.queryParameters
            let limit = q.get("limit").flatMap { Int($0) }.map { min(max($0, 1), 1000) } ?? 100
            let index =
                q.get("status").flatMap { RunStatus(rawValue: String($0)) }.map { WorkflowKeys.runsIn($0.rawValue) }
                ?? WorkflowKeys.allRuns
            return JSONResponse(
                try await self.storeCall {
                    try await self.workflows.store.runs(try await self.workflows.store.runIDs(in: index, limit: limit))
                })
        }

        router.get("/api/v1/workflow-runs/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let run = try await self.storeCall({ try await self.workflows.store.run(id) }) else {
                throw APIFailure.notFound("workflow run \(id) not found")
            }
            return JSONResponse(run)
        }

        router.post("/api/v1/workflows/{id}/runs/{run_id}/steps/{step_id}/approve") { request, context -> Response in
            let runID = try context.parameters.require("run_id")
            let stepID = try context.parameters.require("step_id")
            let decision = try await self.decode(ApprovalDecision.self, from: request)
            try await self.runCall { _ = try await self.workflows.decide(runID: runID, stepID: stepID, decision) }
            return Response(status: .noContent)
        }

        router.post("/api/v1/workflows/{id}/runs/{run_id}/cancel") { _, context -> Response in
            let runID = try context.parameters.require("run_id")
            try await self.runCall { _ = try await self.workflows.cancel(runID: runID) }
            return Response(status: .noContent)
        }

        router.get("/api/v1/approvals") { _, _ in
            JSONResponse(try await self.storeCall { try await self.pendingApprovals() })
        }
    }

    /// Maps the engine's refusals to statuses: unknown run or step 404, not waiting or
    /// already finished 409, lock never freed 409 "busy, retry".
    private func runCall(_ body: () async throws -> Void) async throws {
        do {
            try await storeCall(body)
        } catch let error as WorkflowEngine.RunError {
            switch error {
            case .runNotFound: throw APIFailure.notFound("workflow run not found")
            case .approval(.stepNotFound(let id)): throw APIFailure.notFound("step \(id) not found")
            case .approval(let e): throw APIFailure(.conflict, "\(e)", code: "not_waiting")
            case .cancel(let e): throw APIFailure(.conflict, "\(e)", code: "run_finished")
            }
        } catch let error as WorkflowStoreError {
            throw APIFailure(.conflict, "\(error)", code: "run_busy")
        }
    }

    /// Every step waiting for a human, oldest first.
    func pendingApprovals() async throws -> [PendingApproval] {
        let store = workflows.store
        let runs =
            try await store.runs(try await store.runIDs(in: WorkflowKeys.runsIn(RunStatus.waiting.rawValue), limit: 1000))
            + store.runs(try await store.runIDs(in: WorkflowKeys.runsIn(RunStatus.running.rawValue), limit: 1000))
        var names: [String: Workflow] = [:]
        var items: [PendingApproval] = []
        for run in runs {
            for (stepID, step) in run.steps where step.status == .waiting {
                if names[run.workflowID] == nil { names[run.workflowID] = try await store.workflow(run.workflowID) }
                let workflow = names[run.workflowID]
                items.append(
                    PendingApproval(
                        workflowID: run.workflowID, workflowName: workflow?.name ?? "", runID: run.id, stepID: stepID,
                        stepName: workflow?.steps[stepID]?.name ?? "",
                        waitingSince: step.startedAt.map { $0.formatted(.iso8601) }, runInput: run.input))
            }
        }
        return items.sorted { ($0.waitingSince ?? "", $0.runID, $0.stepID) < ($1.waitingSince ?? "", $1.runID, $1.stepID) }
    }
}
