import CoretexCore
import Foundation

/// The two workflows the gateway creates at start when they are missing (docs/workflows.md,
/// "Seeded workflows"), with fixed ids that clients start runs by.
package enum SeedWorkflows {
    package static func all(org: String) -> [Workflow] {
        [repoCodeReview, codeReviewPatch].compactMap { json in
            guard var workflow = try? JSONDecoder().decode(Workflow.self, from: Data(json.utf8)) else { return nil }
            workflow.orgID = org
            return workflow
        }
    }

    static let repoCodeReview = #"""
        {"id": "repo_code_review", "name": "Repo Code Review", "version": "1", "timeout_sec": 3600, "created_by": "system",
         "description": "Clone a repository, scan, SAST, lint, LLM review per file, optional tests, report.",
         "input_schema": {"type": "object",
           "properties": {"repo_url": {"type": "string"}, "branch": {"type": "string"}, "local_path": {"type": "string"},
             "include_globs": {"type": "array", "items": {"type": "string"}}, "exclude_globs": {"type": "array", "items": {"type": "string"}},
             "max_files": {"type": "integer"}, "batch_size": {"type": "integer"}, "max_batches": {"type": "integer"},
             "run_tests": {"type": "boolean"}, "test_command": {"type": "string"}, "priority": {"type": "string"}, "memory_id": {"type": "string"}},
           "oneOf": [{"required": ["repo_url"]}, {"required": ["local_path"]}]},
         "steps": {"code_review": {"name": "Code review", "type": "worker", "topic": "job.workflow.repo.code_review", "timeout_sec": 3600}}}
        """#

    static let codeReviewPatch = #"""
        {"id": "code_review_patch", "name": "Code Review (Patch)", "version": "1", "timeout_sec": 900, "created_by": "system",
         "description": "Plan a review, generate a patch, explain it.",
         "input_schema": {"type": "object", "required": ["file_path", "code_snippet", "instruction"],
           "properties": {"file_path": {"type": "string", "default": "main.go"}, "code_snippet": {"type": "string", "default": ""},
             "instruction": {"type": "string", "default": "Review this code"}, "priority": {"type": "string", "default": "interactive"}}},
         "steps": {
           "plan_review": {"name": "Plan review", "type": "llm", "topic": "job.chat.advanced", "timeout_sec": 180,
             "retry": {"max_retries": 1, "initial_backoff_sec": 2, "max_backoff_sec": 10, "multiplier": 2},
             "input": {"file_path": "${input.file_path}", "code_snippet": "${input.code_snippet}", "instruction": "${input.instruction}",
               "prompt": "You are a senior reviewer. Write a concise review plan for ${input.file_path}: ${input.instruction}\n\n${input.code_snippet}"}},
           "generate_patch": {"name": "Generate patch", "type": "llm", "topic": "job.code.llm", "timeout_sec": 300, "depends_on": ["plan_review"],
             "retry": {"max_retries": 1, "initial_backoff_sec": 2, "max_backoff_sec": 10, "multiplier": 2},
             "input": {"file_path": "${input.file_path}", "code_snippet": "${input.code_snippet}",
               "instruction": "${input.instruction}\n\nFollow this plan:\n${steps.plan_review.output.response}"}},
           "explain_patch": {"name": "Explain patch", "type": "llm", "topic": "job.chat.advanced", "timeout_sec": 180, "depends_on": ["generate_patch"],
             "retry": {"max_retries": 1, "initial_backoff_sec": 2, "max_backoff_sec": 10, "multiplier": 2},
             "input": {"prompt": "Explain this patch to the author:\n\n${steps.generate_patch.output.patch.content}"}}}}
        """#
}
