import CoretexCore
import Foundation
import Testing

/// The shipped rule file, found from this file's place in the repository
/// (Tests/CoretexCoreTests/SastTests.swift -> config/sast-rules.yaml).
private let shippedRulesPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("config/sast-rules.yaml").path

private func loadShippedRules() throws -> SastRuleSet {
    try SastRuleSet.parse(yaml: String(contentsOfFile: shippedRulesPath, encoding: .utf8), source: shippedRulesPath)
}

/// One shipped rule with lines it must flag and lines it must leave alone.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var rule: String
    var language: String
    var fires: [String]
    var quiet: [String]

    var testDescription: String { "\(rule) (\(language))" }
}

private let ruleCases: [RuleCase] = [
    // Secrets
    RuleCase(rule: "secret.aws-access-key", language: "python",
             fires: [#"AWS_ACCESS_KEY_ID = "AKIAZ3MSXQ7RVB4KD2PL""#],
             quiet: [#"aws_access_key_id = os.environ["AWS_ACCESS_KEY_ID"]"#, #"prefix = "AKIA""#]),
    RuleCase(rule: "secret.aws-secret-key", language: "unknown",
             fires: ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                     #"AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#],
             quiet: ["aws_secret_access_key = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                     "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}"]),
    RuleCase(rule: "secret.private-key", language: "unknown",
             fires: ["-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----",
                     "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----"],
             quiet: ["-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----"]),
    RuleCase(rule: "secret.github-token", language: "yaml",
             fires: ["token: ghp_R4nd0mT0k3nV4lu3Xy9Zq2Wp8Lk5Mn7Bv3Cx1Q"],
             quiet: ["GITHUB_TOKEN: ghp_your_token_here", "token: ${{ secrets.GITHUB_TOKEN }}"]),
    RuleCase(rule: "secret.slack-token", language: "javascript",
             fires: [#"const slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";"#],
             quiet: [#"const slack = "xoxb-your-bot-token";"#]),
    RuleCase(rule: "secret.generic-assignment", language: "python",
             fires: [#"api_key = "q8Zr2LmN0xV7pT4sK9wB""#, #"  "db_password": "Xk9#mP2vL7qR4wZt","#,
                     #"CLIENT_SECRET := "aZ8kQ2mX9pL4vR7tY1wE""#],
             quiet: [#"password = "changeme""#, #"password = "passwordpassword""#,
                     #"token = os.environ["API_TOKEN"]"#, #"db_password = "${DB_PASSWORD}""#,
                     #"password_hint = "Use at least twelve characters""#]),

    // Injection
    RuleCase(rule: "injection.python-os-system", language: "python",
             fires: [#"os.system("ping -c 1 " + host)"#, #"os.system(f"rm -rf {path}")"#, "os.popen(cmd)"],
             quiet: [#"os.system("clear")"#, #"os.system("echo 'done'")"#]),
    RuleCase(rule: "injection.python-shell-true", language: "python",
             fires: ["subprocess.run(cmd, shell=True, check=True)", #"out = subprocess.check_output("ls " + d, shell = True)"#],
             quiet: [#"subprocess.run(["git", "status"], check=True)"#, "subprocess.run(cmd, shell=False)"]),
    RuleCase(rule: "injection.python-eval", language: "python",
             fires: [#"result = eval(request.args["expr"])"#, "exec(code)"],
             quiet: [#"total = eval("1 + 2")"#, "model.eval()", "value = ast.literal_eval(text)",
                     "def eval(self, batch):"]),
    RuleCase(rule: "injection.python-sql-format", language: "python",
             fires: [#"cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")"#,
                     #"cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)"#,
                     #"cur.execute("DELETE FROM t WHERE id = " + item_id)"#,
                     #"cur.execute("SELECT * FROM t WHERE id = {}".format(item_id))"#],
             quiet: [#"cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))"#,
                     #"cursor.execute("SELECT 1")"#]),
    RuleCase(rule: "injection.js-eval", language: "javascript",
             fires: ["const result = eval(userInput);"],
             quiet: ["const result = evaluate(userInput);", "const total = sheet.eval(cell);"]),
    RuleCase(rule: "injection.js-child-process", language: "typescript",
             fires: [#"child_process.exec("ls " + dir, cb);"#, "const out = execSync(`git log ${ref}`);",
                     #"require("child_process").exec(cmd)"#],
             quiet: [#"child_process.execFile("git", ["status"], cb);"#, "const m = /a+/.exec(s);"]),
    RuleCase(rule: "injection.js-new-function", language: "javascript",
             fires: [#"const fn = new Function("a", "b", body);"#],
             quiet: ["const registry = new FunctionRegistry();", "function add(a, b) { return a + b; }"]),
    RuleCase(rule: "injection.js-sql-concat", language: "typescript",
             fires: ["await db.query(`SELECT * FROM users WHERE id = ${req.params.id}`);",
                     #"db.query("SELECT * FROM users WHERE name = '" + name + "'")"#],
             quiet: [#"await db.query("SELECT * FROM users WHERE id = $1", [req.params.id]);"#,
                     "await db.query(sql`SELECT * FROM users WHERE id = ${id}`);",
                     "await db.query(`SELECT count(*) FROM users`);"]),
    RuleCase(rule: "injection.shell-eval", language: "shell",
             fires: [#"eval "$user_cmd""#, "eval $CMD"],
             quiet: [#"eval "$(ssh-agent -s)""#, #"echo "$cmd""#]),
    RuleCase(rule: "injection.php-command", language: "php",
             fires: [#"system("ping -c 1 " . $host);"#, #"$out = shell_exec("ls " . $_GET['dir']);"#],
             quiet: ["system('clear');", "$pdo->exec($sql);"]),
    RuleCase(rule: "injection.go-shell-command", language: "go",
             fires: [#"cmd := exec.Command("sh", "-c", userCmd)"#,
                     #"cmd := exec.CommandContext(ctx, "/bin/bash", "-c", script)"#],
             quiet: [#"cmd := exec.Command("git", "status")"#]),
    RuleCase(rule: "injection.go-sql-sprintf", language: "go",
             fires: [#"rows, err := db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = '%s'", name))"#,
                     #"_, err = db.ExecContext(ctx, fmt.Sprintf("DELETE FROM t WHERE id = %d", id))"#],
             quiet: [#"rows, err := db.Query("SELECT * FROM users WHERE name = $1", name)"#,
                     #"msg := fmt.Sprintf("%d rows", n)"#]),

    // Weak cryptography
    RuleCase(rule: "crypto.python-weak-hash", language: "python",
             fires: ["digest = hashlib.md5(password.encode()).hexdigest()", #"h = hashlib.new("sha1")"#],
             quiet: ["digest = hashlib.sha256(data).hexdigest()",
                     "etag = hashlib.md5(body, usedforsecurity=False).hexdigest()"]),
    RuleCase(rule: "crypto.js-weak-hash", language: "javascript",
             fires: ["const h = crypto.createHash('md5').update(pw).digest('hex');"],
             quiet: ["const h = crypto.createHash('sha256').update(pw).digest('hex');"]),
    RuleCase(rule: "crypto.go-weak-hash", language: "go",
             fires: ["\t\"crypto/md5\"", #"import "crypto/sha1""#],
             quiet: ["\t\"crypto/sha256\""]),
    RuleCase(rule: "crypto.des", language: "java",
             fires: [#"Cipher c = Cipher.getInstance("DES/CBC/PKCS5Padding");"#,
                     #"Cipher c = Cipher.getInstance("DESede/CBC/PKCS5Padding");"#],
             quiet: [#"Cipher c = Cipher.getInstance("AES/GCM/NoPadding");"#]),
    RuleCase(rule: "crypto.des", language: "go",
             fires: ["block, err := des.NewCipher(key)", "\t\"crypto/des\""],
             quiet: ["block, err := aes.NewCipher(key)"]),
    RuleCase(rule: "crypto.aes-ecb", language: "java",
             fires: [#"Cipher c = Cipher.getInstance("AES/ECB/PKCS5Padding");"#, #"Cipher c = Cipher.getInstance("AES");"#],
             quiet: [#"Cipher c = Cipher.getInstance("AES/GCM/NoPadding");"#]),
    RuleCase(rule: "crypto.aes-ecb", language: "python",
             fires: ["cipher = AES.new(key, AES.MODE_ECB)"],
             quiet: ["cipher = AES.new(key, AES.MODE_GCM)"]),
    RuleCase(rule: "crypto.java-weak-digest", language: "java",
             fires: [#"MessageDigest md = MessageDigest.getInstance("MD5");"#, #"MessageDigest.getInstance("SHA-1")"#],
             quiet: [#"MessageDigest md = MessageDigest.getInstance("SHA-256");"#]),

    // Unsafe deserialisation
    RuleCase(rule: "deserialize.python-pickle", language: "python",
             fires: ["data = pickle.loads(request.body)", "obj = pickle.load(f)"],
             quiet: ["blob = pickle.dumps(obj)", "data = json.loads(request.body)"]),
    RuleCase(rule: "deserialize.python-yaml-load", language: "python",
             fires: ["config = yaml.load(f)", "config = yaml.load(f, Loader=yaml.Loader)", "docs = yaml.unsafe_load(text)"],
             quiet: ["config = yaml.safe_load(f)", "config = yaml.load(f, Loader=yaml.SafeLoader)",
                     "config = yaml.load(f, Loader=CSafeLoader)"]),
    RuleCase(rule: "deserialize.python-marshal", language: "python",
             fires: ["code = marshal.loads(blob)"],
             quiet: ["blob = marshal.dumps(code)"]),
    RuleCase(rule: "deserialize.java-object-input-stream", language: "java",
             fires: ["ObjectInputStream in = new ObjectInputStream(socket.getInputStream());"],
             quiet: ["ObjectOutputStream out = new ObjectOutputStream(socket.getOutputStream());",
                     "import java.io.ObjectInputStream;"]),
    RuleCase(rule: "deserialize.php-unserialize", language: "php",
             fires: ["$prefs = unserialize($_COOKIE['prefs']);"],
             quiet: ["$prefs = json_decode($_COOKIE['prefs'], true);",
                     "$prefs = unserialize($data, ['allowed_classes' => false]);", "$s = serialize($prefs);"]),
    RuleCase(rule: "deserialize.ruby-marshal", language: "ruby",
             fires: ["obj = Marshal.load(params[:data])"],
             quiet: ["blob = Marshal.dump(obj)"]),
    RuleCase(rule: "deserialize.ruby-yaml-load", language: "ruby",
             fires: ["config = YAML.load(File.read(path))"],
             quiet: ["config = YAML.safe_load(File.read(path))"]),
]

@Suite struct ShippedSastRuleTests {
    let rules: SastRuleSet

    init() throws { rules = try loadShippedRules() }

    private func ruleIds(_ line: String, _ language: String) -> [String] {
        SastScanner.scan(text: line, path: "f", language: language, rules: rules).map(\.rule)
    }

    @Test(arguments: ruleCases)
    func ruleFiresOnPositivesAndStaysQuietOnNegatives(_ c: RuleCase) {
        for line in c.fires {
            #expect(ruleIds(line, c.language).contains(c.rule), "should fire: \(line)")
        }
        for line in c.quiet {
            #expect(!ruleIds(line, c.language).contains(c.rule), "should stay quiet: \(line)")
        }
    }

    @Test func everyShippedRuleHasACase() {
        let covered = Set(ruleCases.map(\.rule))
        let ids = rules.rules.map(\.id)
        #expect(ids.count >= 30)
        #expect(Set(ids).count == ids.count)
        #expect(ids.filter { !covered.contains($0) } == [])
        #expect(covered.subtracting(ids).isEmpty)
    }

    @Test func exactHitsOnSampleLines() {
        #expect(ruleIds(#"password = "changeme""#, "python") == [])
        #expect(ruleIds(#"api_key = "q8Zr2LmN0xV7pT4sK9wB""#, "python") == ["secret.generic-assignment"])
        // The AWS assignment is both the specific rule and a generic "secret = ..." line.
        #expect(ruleIds(#"aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#, "python")
            == ["secret.aws-secret-key", "secret.generic-assignment"])
        #expect(ruleIds("os.system(cmd)  # eval(x)", "python") == ["injection.python-eval", "injection.python-os-system"])
    }

    @Test func languageFiltersKeepCodeRulesOutOfDocs() {
        let doc = "Never write `eval(user_input)` or `pickle.loads(body)` or `os.system(cmd)`."
        #expect(ruleIds(doc, "markdown") == [])
        #expect(ruleIds("eval(user_input)", "Python") == ["injection.python-eval"])
        #expect(ruleIds("eval(user_input)", "go") == [])
        // Secrets are looked for everywhere: a key in a README leaks too.
        #expect(ruleIds("Use AKIAZ3MSXQ7RVB4KD2PL for the demo", "markdown") == ["secret.aws-access-key"])
    }
}

@Suite struct SastScannerTests {
    let rules = try! SastRuleSet.parse(yaml: #"""
        rules:
          - id: b.eval
            severity: high
            message: eval
            pattern: '\beval\('
          - id: a.token
            severity: medium
            message: token
            pattern: 'tok_([a-z0-9]{12,})'
            secret: true
            min_entropy: 3
          - id: c.shout
            severity: low
            message: shouting
            pattern: 'todo'
            ignore_case: true
        """#, source: "test.yaml")

    @Test func entropyInBitsPerCharacter() {
        #expect(SastScanner.entropy("") == 0)
        #expect(SastScanner.entropy("aaaa") == 0)
        #expect(SastScanner.entropy("ab") == 1)
        #expect(SastScanner.entropy("abcd") == 2)
        #expect(SastScanner.entropy("abababab") == 1)
        #expect(abs(SastScanner.entropy("aab") - 0.9182958340544896) < 1e-12)
        #expect(abs(SastScanner.entropy("q8Zr2LmN0xV7pT4sK9wB") - log2(20)) < 1e-12)
        #expect(SastScanner.entropy("changeme") < 3.5)
    }

    @Test func everyRuleOnEveryLineOncePerRuleInLineThenRuleOrder() {
        let text = """
            x = 1
            eval(a); eval(b) // TODO tok_k3j9x8q2m7z4
            TODO later
            """
        let found = SastScanner.scan(text: text, path: "src/a.js", language: "javascript", rules: rules)
        #expect(found.map { "\($0.line):\($0.column):\($0.rule)" } == [
            "2:26:a.token", "2:1:b.eval", "2:21:c.shout", "3:1:c.shout",
        ])
        #expect(found[1] == SastFinding(rule: "b.eval", severity: "high", message: "eval", file_path: "src/a.js",
                                        line: 2, column: 1, snippet: "eval(a); eval(b) // TODO tok_k3j9********"))
    }

    @Test func secretsAreRedactedInEverySnippetOfTheLine() {
        let found = SastScanner.scan(text: "  eval(tok_k3j9x8q2m7z4) + tok_abcdef123456  ", path: "a", language: "js", rules: rules)
        #expect(found.map(\.rule) == ["a.token", "b.eval"])
        // Both secrets on the line are starred, in both findings; leading/trailing blanks trimmed.
        #expect(found.allSatisfy { $0.snippet == "eval(tok_k3j9********) + tok_abcd********" })
        #expect(found.map(\.column) == [8, 3])
    }

    @Test func lowEntropyMatchesAreSkippedNotJustTheFirst() {
        let found = SastScanner.scan(text: "tok_aaaaaaaaaaaa then tok_k3j9x8q2m7z4", path: "a", language: "x", rules: rules)
        #expect(found.map(\.column) == [23])
        #expect(found.first?.snippet == "tok_aaaaaaaaaaaa then tok_k3j9********")
    }

    @Test func longLinesAreScannedInFullAndTheSnippetIsCutAroundTheMatch() throws {
        let line = String(repeating: "a", count: 5000) + " eval(x) " + String(repeating: "b", count: 5000)
        let found = SastScanner.scan(text: "\n" + line, path: "min.js", language: "javascript", rules: rules)
        let finding = try #require(found.first)
        #expect(found.count == 1)
        #expect(finding.line == 2 && finding.column == 5002)
        #expect(finding.snippet.count == 200)
        #expect(finding.snippet.hasPrefix("…") && finding.snippet.hasSuffix("…"))
        #expect(finding.snippet.contains("eval(x)"))

        let start = SastScanner.scan(text: "eval(x)" + String(repeating: "c", count: 300), path: "a", language: "js", rules: rules)
        #expect(start.first?.snippet == "eval(x)" + String(repeating: "c", count: 192) + "…")
        let end = SastScanner.scan(text: String(repeating: "c", count: 300) + " eval(x)", path: "a", language: "js", rules: rules)
        #expect(end.first?.snippet == "…" + String(repeating: "c", count: 191) + " eval(x)")
    }

    @Test func crlfLinesAndColumnsInCharacters() {
        let found = SastScanner.scan(text: "a\r\nlet ü = \"é\"; eval(x)\r\n", path: "a", language: "js", rules: rules)
        #expect(found.map { "\($0.line):\($0.column)" } == ["2:14"])
        #expect(found.first?.snippet == "let ü = \"é\"; eval(x)")
    }

    @Test func emptyTextAndNoApplicableRules() {
        #expect(SastScanner.scan(text: "", path: "a", language: "js", rules: rules) == [])
        let pythonOnly = try! SastRuleSet.parse(yaml: """
            rules: [{id: p, severity: low, message: m, pattern: 'eval', languages: [python]}]
            """, source: "p.yaml")
        #expect(SastScanner.scan(text: "eval(x)", path: "a", language: "ruby", rules: pythonOnly) == [])
        #expect(SastScanner.scan(text: "eval(x)", path: "a", language: "PYTHON", rules: pythonOnly).count == 1)
    }
}

@Suite struct SastRuleFileTests {
    @Test func parsesFieldsAndDefaults() throws {
        let set = try SastRuleSet.parse(yaml: #"""
            rules:
              - id: x.one
                severity: High
                message: one
                pattern: 'a\d+'
                languages: Python
              - id: x.two
                severity: low
                message: two
                pattern: 'b'
                languages: [Go, rust]
                ignore_case: yes
                min_entropy: 2.5
                secret: true
            """#, source: "a.yaml")
        #expect(set.rules == [
            SastRule(id: "x.one", severity: "high", message: "one", pattern: #"a\d+"#, languages: ["python"]),
            SastRule(id: "x.two", severity: "low", message: "two", pattern: "b", languages: ["go", "rust"],
                     ignoreCase: true, minEntropy: 2.5, secret: true),
        ])
    }

    @Test func emptyFilesAreEmptySets() throws {
        #expect(try SastRuleSet.parse(yaml: "", source: "e.yaml").rules.isEmpty)
        #expect(try SastRuleSet.parse(yaml: "# nothing yet\n", source: "e.yaml").rules.isEmpty)
        #expect(try SastRuleSet.parse(yaml: "rules: []", source: "e.yaml").rules.isEmpty)
        #expect(try SastRuleSet.parse(yaml: "rules:", source: "e.yaml").rules.isEmpty)
    }

    private func parseError(_ yaml: String) -> String {
        do {
            _ = try SastRuleSet.parse(yaml: yaml, source: "team/extra.yaml")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func errorsNameTheFileTheRuleAndTheProblem() {
        #expect(parseError("""
            rules:
              - {id: ok, severity: low, message: m, pattern: 'a'}
              - {id: bad.regex, severity: low, message: m, pattern: 'a(b'}
            """) == "invalid config team/extra.yaml: rule 'bad.regex' (line 3): bad regex 'a(b'")
        #expect(parseError("""
            rules:
              - {id: bad.sev, severity: critical, message: m, pattern: 'a'}
            """) == "invalid config team/extra.yaml: rule 'bad.sev' (line 2): bad severity 'critical' (expected high, medium, low or off)")
        #expect(parseError("""
            rules:
              - {id: twice, severity: low, message: m, pattern: 'a'}
              - {id: twice, severity: low, message: m, pattern: 'b'}
            """) == "invalid config team/extra.yaml: rule 'twice' (line 3): duplicate id (first defined on line 2)")
        #expect(parseError("""
            rules:
              - id: no.pattern
                severity: high
                message: m
            """) == "invalid config team/extra.yaml: rule 'no.pattern' (line 2): missing field 'pattern'")
        #expect(parseError("""
            rules:
              - {id: a, severity: low, message: m, pattern: 'a'}
              - {severity: low, message: m, pattern: 'a'}
            """) == "invalid config team/extra.yaml: rule #2 (line 3): missing field 'id'")
        #expect(parseError("""
            rules:
              - {id: typo, severity: low, message: m, pattern: 'a', ignorecase: true}
            """) == "invalid config team/extra.yaml: rule 'typo' (line 2): unknown key 'ignorecase'")
        #expect(parseError("""
            rules:
              - {id: empty, severity: low, message: m, pattern: 'x*'}
            """) == "invalid config team/extra.yaml: rule 'empty' (line 2): pattern matches the empty string")
        #expect(parseError("""
            rules:
              - {id: langs, severity: low, message: m, pattern: 'a', languages: {python: 1}}
            """) == "invalid config team/extra.yaml: rule 'langs' (line 2): 'languages' must be a list of strings")
        #expect(parseError("rules: {id: x}") == "invalid config team/extra.yaml: 'rules' must be a list")
        #expect(parseError("- id: x") == "invalid config team/extra.yaml: expected a top-level 'rules:' list")
        #expect(parseError("rules: [").hasPrefix("invalid config team/extra.yaml: not valid YAML"))
    }

    @Test func laterFilesOverrideAddAndDisable() throws {
        let shipped = try loadShippedRules()
        let extra = try SastRuleSet.parse(yaml: """
            rules:
              - id: crypto.python-weak-hash
                severity: off
              - id: injection.python-eval
                severity: low
                message: eval is allowed in this notebook repo, but look anyway
                pattern: '\\beval\\('
                languages: [python]
              - id: team.print
                severity: low
                message: use logging
                pattern: '^\\s*print\\('
                languages: [python]
              - id: never.existed
                severity: off
            """, source: "extra.yaml")
        let merged = SastRuleSet.merge([shipped, extra])
        let ids = merged.rules.map(\.id)

        #expect(!ids.contains("crypto.python-weak-hash"))
        #expect(!ids.contains("never.existed"))
        #expect(ids.count == shipped.rules.count)  // one off, one added, one replaced in place
        #expect(ids.last == "team.print")
        #expect(ids.firstIndex(of: "injection.python-eval") == shipped.rules.map(\.id).firstIndex(of: "injection.python-eval"))

        let code = """
            digest = hashlib.md5(data).hexdigest()
            print(eval("1 + 1"))
            """
        let found = SastScanner.scan(text: code, path: "n.py", language: "python", rules: merged)
        #expect(found.map { "\($0.line) \($0.rule) \($0.severity)" } == [
            "2 injection.python-eval low", "2 team.print low",
        ])
        // Without the extra file the weak hash is found and the literal eval is not.
        #expect(SastScanner.scan(text: code, path: "n.py", language: "python", rules: shipped).map(\.rule)
            == ["crypto.python-weak-hash"])
    }

    @Test func aLaterFileCanSwitchARuleBackOn() throws {
        let base = try SastRuleSet.parse(yaml: "rules: [{id: r, severity: high, message: m, pattern: 'x'}]", source: "a")
        let off = try SastRuleSet.parse(yaml: "rules: [{id: r, severity: off}]", source: "b")
        let on = try SastRuleSet.parse(yaml: "rules: [{id: r, severity: low, message: m2, pattern: 'y'}]", source: "c")
        #expect(SastRuleSet.merge([base, off]).rules.isEmpty)
        let merged = SastRuleSet.merge([base, off, on])
        #expect(merged.rules.map(\.severity) == ["low"])
        #expect(SastScanner.scan(text: "x y", path: "f", language: "go", rules: merged).map(\.column) == [3])
        // A set that still holds an `off` rule (not merged) never fires it.
        #expect(SastScanner.scan(text: "x", path: "f", language: "go", rules: off).isEmpty)
    }
}
