// The charts' ranges in node for tests/test_ranges_js.py: reads [{"file": a payload's path,
// "choice": null | the what-if controls' choice}, ...] (JSON) on stdin and writes, for each in
// turn, static/ranges.js's ranges (JSON: the shortest repr keeps every bit of a float64) of the
// payload's own run (`data`, and through a Run, `run`), or of the run whatif.js computes under
// the choice (`data`); and with `theory`, theory.js's lines of plain GD for the browser's run
// of the choice (of the payload's own settings where the choice is null), as `theory`; with
// `text`, the panel's words for that run (whatif.js's data.text: captions.js), as `text`.
import { readFileSync } from "node:fs";
import { decodePayload, Run } from "../../static/payload.js";
import { chartRanges, floors } from "../../static/ranges.js";
import { referenceLines } from "../../static/theory.js";
import { optimizerOf, whatifData, whatifSettings } from "../../static/whatif.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const out = [];
for (const { file, choice, theory, text } of JSON.parse(Buffer.concat(chunks).toString("utf8"))) {
  const data = decodePayload(new Uint8Array(readFileSync(file)));
  if (text) {
    out.push({ text: whatifData(data, whatifSettings(data.whatif, choice ?? {})).data.text });
  } else if (theory) {
    const settings = whatifSettings(data.whatif, choice ?? {});
    const shown = whatifData(data, settings).data;
    out.push({ theory: referenceLines(shown, settings, optimizerOf(data.whatif, settings.optimizer), floors(shown)) });
  } else if (choice === null) {
    out.push({ data: chartRanges(data), run: chartRanges(new Run(decodePayload(new Uint8Array(readFileSync(file))))) });
  } else {
    const settings = whatifSettings(data.whatif, choice);
    out.push({ data: chartRanges(whatifData(data, settings).data, settings) });
  }
}
process.stdout.write(JSON.stringify(out));
