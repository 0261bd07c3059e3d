// handlebars.js doing the same work as `roost-bench render`: every template of
// manifest.tsv compiled once (with the oracle's Habitat helpers), then all of
// them rendered ROUNDS times in one node process.
//   node bench/hbs-bench.js ../shared/corpus/core-plans 200
const fs = require('fs');
const path = require('path');
const dir = path.resolve(process.argv[2] || '../shared/corpus/core-plans');
const rounds = Number(process.argv[3] || 200);
const oracle = path.join(dir, '../../tools/hbs-oracle');
let Handlebars;
for (const m of ['handlebars', '/usr/share/nodejs/handlebars']) { try { Handlebars = require(m); break; } catch (e) {} }
const helpers = require(path.join(oracle, 'lib/helpers'));
const hb = Handlebars.create();
helpers.register(hb, { numInfo: null, integralFloats: null, quiet: true, hazard() {} });
const rows = fs.readFileSync(path.join(dir, 'manifest.tsv'), 'utf8').split('\n').slice(1).filter(Boolean);
const contexts = {};
const t0 = process.hrtime.bigint();
const cases = [];
for (const row of rows) {
  const [, tmpl, ctx] = row.split('\t');
  contexts[ctx] = contexts[ctx] || JSON.parse(fs.readFileSync(path.join(dir, ctx), 'utf8'));
  try {
    const t = hb.compile(fs.readFileSync(path.join(dir, tmpl), 'utf8'), { noEscape: true });
    t(contexts[ctx]);  // handlebars.js compiles lazily: force it, as roost parses up front
    cases.push([t, contexts[ctx]]);
  } catch (e) { /* skipped, as roost-bench skips what does not parse */ }
}
const parseMs = Number(process.hrtime.bigint() - t0) / 1e6;
let bytes = 0;
const t1 = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (const [t, d] of cases) { try { bytes += Buffer.byteLength(t(d)); } catch (e) {} }
const s = Number(process.hrtime.bigint() - t1) / 1e9;
console.log(`handlebars.js ${Handlebars.VERSION}: ${cases.length} templates compiled in ${Math.round(parseMs)} ms; ${rounds} rounds: ${Math.round(cases.length * rounds / s)} renders/s, ${Math.round(bytes / s / 1e6)} MB/s output, ${Math.round(s * 1000)} ms`);
