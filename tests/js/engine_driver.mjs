// Runs a batch through the browser's engine for tests/test_engine_js.py: reads
// {"problems": [statistics, ...], "cases": [{"problem": index, "settings": {...}}, ...]} (JSON, as
// gd.problem.Problem.statistics writes a problem) on stdin and writes, for each case in turn,
// little-endian float64s: T + 1 (the rows kept), divergedAt (-1 for none), the params (T + 1 rows
// of p) and the losses (T + 1). Float64 bytes keep every bit; so does JSON's shortest repr in.
import { run } from "../../static/engine.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { problems, cases } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const parts = [];
for (const { problem, settings } of cases) {
  const out = run(problems[problem], settings);
  const head = new Float64Array([out.loss.length, out.divergedAt ?? -1]);
  parts.push(Buffer.from(head.buffer), Buffer.from(out.params.buffer), Buffer.from(out.loss.buffer));
}
process.stdout.write(Buffer.concat(parts));
