import { existsSync } from "node:fs";
import path from "node:path";

/** The directory holding package.json, from sources (src/...) and from the build (dist/src/...). */
export const PROJECT_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json")) || path.basename(dir) === "dist") {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the project root (package.json)");
    dir = parent;
  }
  return dir;
})();
