// Baseline: compile every MJML document with Node's mjml and inline CSS with juice,
// as a Node build script would (one process, library API; faster than one `mjml`
// CLI call per file, so the comparison favours Node).
// usage: node node_build.js DIR_WITH_MJML ROUNDS [OUT_DIR]
const fs = require("fs");
const path = require("path");
const mjml2html = require("mjml");
const juice = require("juice");

async function main() {
  const [dir, roundsArg, outDir] = process.argv.slice(2);
  const rounds = Number(roundsArg || 1);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".mjml")).sort();
  const docs = files.map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < docs.length; i++) {
      const result = await mjml2html(docs[i], { validationLevel: "soft" });
      const html = juice(result.html, { preserveImportant: true });
      if (outDir && r === 0) fs.writeFileSync(path.join(outDir, files[i].replace(/\.mjml$/, ".html")), html);
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  process.stdout.write(JSON.stringify({ files: files.length, times_ms: times }) + "\n");
}
main().catch((err) => { console.error(err); process.exit(1); });
