// A Vite plugin that reports the production JavaScript's gzipped size and fails the build over budget.
// It also writes dist/bundle-report.json, which README and reviewers can read without rebuilding.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

import type { Plugin } from "vite";

export interface BundleReport {
  files: { file: string; bytes: number; gzipBytes: number }[];
  totalBytes: number;
  totalGzipBytes: number;
  budgetGzipBytes: number;
}

function javascriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".js"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

export function measureBundle(distDir: string, budgetGzipBytes: number): BundleReport {
  const files = javascriptFiles(distDir).map((path) => {
    const content = readFileSync(path);
    return { file: relative(distDir, path), bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  });
  return {
    files,
    totalBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    totalGzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
    budgetGzipBytes,
  };
}

function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

export function bundleBudget({ maxGzipKiB }: { maxGzipKiB: number }): Plugin {
  let outDir = "dist";
  return {
    name: "matjip-bundle-budget",
    apply: "build",
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    closeBundle() {
      const report = measureBundle(outDir, maxGzipKiB * 1024);
      writeFileSync(join(outDir, "bundle-report.json"), JSON.stringify(report, null, 2) + "\n");
      console.log(
        `\nJavaScript: ${report.files.length} files, ${kib(report.totalBytes)} KiB, ` +
          `${kib(report.totalGzipBytes)} KiB gzipped (budget ${maxGzipKiB} KiB)`,
      );
      if (report.totalGzipBytes > report.budgetGzipBytes) {
        throw new Error(`the JavaScript is ${kib(report.totalGzipBytes)} KiB gzipped, over the ${maxGzipKiB} KiB budget`);
      }
    },
  };
}
