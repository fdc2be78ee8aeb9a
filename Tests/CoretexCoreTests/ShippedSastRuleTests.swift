import CoretexCore
import Foundation
import Testing

/// The shipped rule file, found from this file's place in the repository
/// (Tests/CoretexCoreTests/ShippedSastRuleTests.swift -> config/sast-rules.yaml).
private let shippedRulesPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("config/sast-rules.yaml").path

/// The shipped rules, parsed (SastRuleFileTests merges team files over them).
func loadShippedRules() throws -> SastRuleSet {
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
    RuleCase(
        rule: "secret.aws-access-key", language: "python",
        fires: [#"AWS_ACCESS_KEY_ID = "AKIAZ3MSXQ7RVB4KD2PL""#],
        quiet: [#"aws_access_key_id = os.environ["AWS_ACCESS_KEY_ID"]"#, #"prefix = "AKIA""#]),
    RuleCase(
        rule: "secret.aws-secret-key", language: "unknown",
        fires: [
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            #"AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#,
        ],
        quiet: [
            "aws_secret_access_key = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
        ]),
    RuleCase(
        rule: "secret.private-key", language: "unknown",
        fires: [
            "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----",
        ],
        quiet: ["-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----"]),
    RuleCase(
        rule: "secret.github-token", language: "yaml",
        fires: ["token: ghp_R4nd0mT0k3nV4lu3Xy9Zq2Wp8Lk5Mn7Bv3Cx1Q"],
        quiet: ["GITHUB_TOKEN: ghp_your_token_here", "token: ${{ secrets.GITHUB_TOKEN }}"]),
    RuleCase(
        rule: "secret.slack-token", language: "javascript",
        fires: [#"const slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";"#],
        quiet: [#"const slack = "xoxb-your-bot-token";"#]),
    RuleCase(
        rule: "secret.generic-assignment", language: "python",
        fires: [
            #"api_key = "q8Zr2LmN0xV7pT4sK9wB""#, #"  "db_password": "Xk9#mP2vL7qR4wZt","#,
            #"CLIENT_SECRET := "aZ8kQ2mX9pL4vR7tY1wE""#,
        ],
        quiet: [
            #"password = "changeme""#, #"password = "passwordpassword""#,
            #"token = os.environ["API_TOKEN"]"#, #"db_password = "${DB_PASSWORD}""#,
            #"password_hint = "Use at least twelve characters""#,
        ]),

    // Injection
    RuleCase(
        rule: "injection.python-os-system", language: "python",
        fires: [#"os.system("ping -c 1 " + host)"#, #"os.system(f"rm -rf {path}")"#, "os.popen(cmd)"],
        quiet: [#"os.system("clear")"#, #"os.system("echo 'done'")"#]),
    RuleCase(
        rule: "injection.python-shell-true", language: "python",
        fires: ["subprocess.run(cmd, shell=True, check=True)", #"out = subprocess.check_output("ls " + d, shell = True)"#],
        quiet: [#"subprocess.run(["git", "status"], check=True)"#, "subprocess.run(cmd, shell=False)"]),
    RuleCase(
        rule: "injection.python-eval", language: "python",
        fires: [#"result = eval(request.args["expr"])"#, "exec(code)"],
        quiet: [
            #"total = eval("1 + 2")"#, "model.eval()", "value = ast.literal_eval(text)",
            "def eval(self, batch):",
        ]),
    RuleCase(
        rule: "injection.python-sql-format", language: "python",
        fires: [
            #"cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")"#,
            #"cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)"#,
            #"cur.execute("DELETE FROM t WHERE id = " + item_id)"#,
            #"cur.execute("SELECT * FROM t WHERE id = {}".format(item_id))"#,
        ],
        quiet: [
            #"cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))"#,
            #"cursor.execute("SELECT 1")"#,
        ]),
    RuleCase(
        rule: "injection.js-eval", language: "javascript",
        fires: ["const result = eval(userInput);"],
        quiet: ["const result = evaluate(userInput);", "const total = sheet.eval(cell);"]),
    RuleCase(
        rule: "injection.js-child-process", language: "typescript",
        fires: [
            #"child_process.exec("ls " + dir, cb);"#, "const out = execSync(`git log ${ref}`);",
            #"require("child_process").exec(cmd)"#,
        ],
        quiet: [#"child_process.execFile("git", ["status"], cb);"#, "const m = /a+/.exec(s);"]),
    RuleCase(
        rule: "injection.js-new-function", language: "javascript",
        fires: [#"const fn = new Function("a", "b", body);"#],
        quiet: ["const registry = new FunctionRegistry();", "function add(a, b) { return a + b; }"]),
    RuleCase(
        rule: "injection.js-sql-concat", language: "typescript",
        fires: [
            "await db.query(`SELECT * FROM users WHERE id = ${req.params.id}`);",
            #"db.query("SELECT * FROM users WHERE name = '" + name + "'")"#,
        ],
        quiet: [
            #"await db.query("SELECT * FROM users WHERE id = $1", [req.params.id]);"#,
            "await db.query(sql`SELECT * FROM users WHERE id = ${id}`);",
            "await db.query(`SELECT count(*) FROM users`);",
        ]),
    RuleCase(
        rule: "injection.shell-eval", language: "shell",
        fires: [#"eval "$user_cmd""#, "eval $CMD"],
        quiet: [#"eval "$(ssh-agent -s)""#, #"echo "$cmd""#]),
    RuleCase(
        rule: "injection.php-command", language: "php",
        fires: [#"system("ping -c 1 " . $host);"#, #"$out = shell_exec("ls " . $_GET['dir']);"#],
        quiet: ["system('clear');", "$pdo->exec($sql);"]),
    RuleCase(
        rule: "injection.go-shell-command", language: "go",
        fires: [
            #"cmd := exec.Command("sh", "-c", userCmd)"#,
            #"cmd := exec.CommandContext(ctx, "/bin/bash", "-c", script)"#,
        ],
        quiet: [#"cmd := exec.Command("git", "status")"#]),
    RuleCase(
        rule: "injection.go-sql-sprintf", language: "go",
        fires: [
            #"rows, err := db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = '%s'", name))"#,
            #"_, err = db.ExecContext(ctx, fmt.Sprintf("DELETE FROM t WHERE id = %d", id))"#,
        ],
        quiet: [
            #"rows, err := db.Query("SELECT * FROM users WHERE name = $1", name)"#,
            #"msg := fmt.Sprintf("%d rows", n)"#,
        ]),

    // Weak cryptography
    RuleCase(
        rule: "crypto.python-weak-hash", language: "python",
        fires: ["digest = hashlib.md5(password.encode()).hexdigest()", #"h = hashlib.new("sha1")"#],
        quiet: [
            "digest = hashlib.sha256(data).hexdigest()",
            "etag = hashlib.md5(body, usedforsecurity=False).hexdigest()",
        ]),
    RuleCase(
        rule: "crypto.js-weak-hash", language: "javascript",
        fires: ["const h = crypto.createHash('md5').update(pw).digest('hex');"],
        quiet: ["const h = crypto.createHash('sha256').update(pw).digest('hex');"]),
    RuleCase(
        rule: "crypto.go-weak-hash", language: "go",
        fires: ["\t\"crypto/md5\"", #"import "crypto/sha1""#],
        quiet: ["\t\"crypto/sha256\""]),
    RuleCase(
        rule: "crypto.des", language: "java",
        fires: [
            #"Cipher c = Cipher.getInstance("DES/CBC/PKCS5Padding");"#,
            #"Cipher c = Cipher.getInstance("DESede/CBC/PKCS5Padding");"#,
        ],
        quiet: [#"Cipher c = Cipher.getInstance("AES/GCM/NoPadding");"#]),
    RuleCase(
        rule: "crypto.des", language: "go",
        fires: ["block, err := des.NewCipher(key)", "\t\"crypto/des\""],
        quiet: ["block, err := aes.NewCipher(key)"]),
    RuleCase(
        rule: "crypto.aes-ecb", language: "java",
        fires: [#"Cipher c = Cipher.getInstance("AES/ECB/PKCS5Padding");"#, #"Cipher c = Cipher.getInstance("AES");"#],
        quiet: [#"Cipher c = Cipher.getInstance("AES/GCM/NoPadding");"#]),
    RuleCase(
        rule: "crypto.aes-ecb", language: "python",
        fires: ["cipher = AES.new(key, AES.MODE_ECB)"],
        quiet: ["cipher = AES.new(key, AES.MODE_GCM)"]),
    RuleCase(
        rule: "crypto.java-weak-digest", language: "java",
        fires: [#"MessageDigest md = MessageDigest.getInstance("MD5");"#, #"MessageDigest.getInstance("SHA-1")"#],
        quiet: [#"MessageDigest md = MessageDigest.getInstance("SHA-256");"#]),

    // Unsafe deserialisation
    RuleCase(
        rule: "deserialize.python-pickle", language: "python",
        fires: ["data = pickle.loads(request.body)", "obj = pickle.load(f)"],
        quiet: ["blob = pickle.dumps(obj)", "data = json.loads(request.body)"]),
    RuleCase(
        rule: "deserialize.python-yaml-load", language: "python",
        fires: ["config = yaml.load(f)", "config = yaml.load(f, Loader=yaml.Loader)", "docs = yaml.unsafe_load(text)"],
        quiet: [
            "config = yaml.safe_load(f)", "config = yaml.load(f, Loader=yaml.SafeLoader)",
            "config = yaml.load(f, Loader=CSafeLoader)",
        ]),
    RuleCase(
        rule: "deserialize.python-marshal", language: "python",
        fires: ["code = marshal.loads(blob)"],
        quiet: ["blob = marshal.dumps(code)"]),
    RuleCase(
        rule: "deserialize.java-object-input-stream", language: "java",
        fires: ["ObjectInputStream in = new ObjectInputStream(socket.getInputStream());"],
        quiet: [
            "ObjectOutputStream out = new ObjectOutputStream(socket.getOutputStream());",
            "import java.io.ObjectInputStream;",
        ]),
    RuleCase(
        rule: "deserialize.php-unserialize", language: "php",
        fires: ["$prefs = unserialize($_COOKIE['prefs']);"],
        quiet: [
            "$prefs = json_decode($_COOKIE['prefs'], true);",
            "$prefs = unserialize($data, ['allowed_classes' => false]);", "$s = serialize($prefs);",
        ]),
    RuleCase(
        rule: "deserialize.ruby-marshal", language: "ruby",
        fires: ["obj = Marshal.load(params[:data])"],
        quiet: ["blob = Marshal.dump(obj)"]),
    RuleCase(
        rule: "deserialize.ruby-yaml-load", language: "ruby",
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
        #expect(
            ruleIds(#"aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#, "python")
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
