// Dependencies point one way (common <- db <- context <- modules) and nothing imports itself
// round a cycle: the rules are in .dependency-cruiser.cjs, checked here with dependency-cruiser.
import { execFileSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

it("src/ has no runtime import cycle and no upward import between layers", () => {
  let report = "";
  try {
    report = execFileSync(
      path.join(ROOT, "node_modules/.bin/depcruise"),
      ["src", "--config", ".dependency-cruiser.cjs", "--output-type", "err"],
      { cwd: ROOT, encoding: "utf8" },
    );
  } catch (err) {
    // depcruise exits non-zero when a rule is broken; its report names each violation.
    report = String((err as { stdout?: string }).stdout ?? err);
  }
  expect(report).toMatch(/no dependency violations found \(\d+ modules/);
}, 120_000);
