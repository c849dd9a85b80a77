// The formatter decides line length and layout: a file that Prettier would change fails here
// (run `npm run format`).
import { execFileSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

it("every source file is formatted by Prettier", () => {
  let report = "";
  let ok = true;
  try {
    report = execFileSync(path.join(ROOT, "node_modules/.bin/prettier"), ["--check", "."], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    ok = false;
    report = String((err as { stdout?: string }).stdout ?? "") + String((err as { stderr?: string }).stderr ?? "");
  }
  expect({ ok, report: ok ? "" : report }).toEqual({ ok: true, report: "" });
}, 120_000);
