// Prints pass/fail/skip counts per top-level section of the suite from vitest's JSON report.
import { readFileSync } from "node:fs"

const report = JSON.parse(readFileSync(process.argv[2] ?? "results.json", "utf8"))
const sections = new Map()
for (const file of report.testResults) {
  for (const test of file.assertionResults) {
    const name = test.ancestorTitles[0] ?? "(top level)"
    const counts = sections.get(name) ?? { passed: 0, failed: 0, skipped: 0 }
    if (test.status === "passed") counts.passed++
    else if (test.status === "failed") counts.failed++
    else counts.skipped++
    sections.set(name, counts)
  }
}
let total = { passed: 0, failed: 0, skipped: 0 }
for (const [name, c] of sections) {
  console.log(`${name.padEnd(40)} passed ${String(c.passed).padStart(3)}  failed ${String(c.failed).padStart(3)}  skipped ${String(c.skipped).padStart(3)}`)
  for (const k of Object.keys(total)) total[k] += c[k]
}
console.log(`${"TOTAL".padEnd(40)} passed ${String(total.passed).padStart(3)}  failed ${String(total.failed).padStart(3)}  skipped ${String(total.skipped).padStart(3)}`)
