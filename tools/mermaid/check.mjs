// Renders every ```mermaid block of the given Markdown files (default: the checkout's .md
// files, tracked or new and not ignored) in headless Chromium, with the mermaid that
// `npm ci` put in the folder given by MERMAID_DIR (default .cache/mermaid, see
// .ci/static-checks.sh). Prints `ok FILE:LINE` per diagram and fails, naming the file, the
// block's line and mermaid's error, on one that does not render.
//
// How: one generated HTML page holds the blocks, loads mermaid from the local file (its CSP
// forbids any network), renders each with mermaid.render and writes the results into the
// page; `chromium --headless --dump-dom` prints that DOM once the page is idle.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const die = (msg) => {
	console.error(`mermaid check: ${msg}`);
	process.exit(1);
};

// The mermaid blocks of a Markdown text: {line, text}, line being the opening fence's (from 1).
// Every fence is followed, so a mermaid fence shown inside another code block is not taken.
function mermaidBlocks(markdown) {
	const blocks = [];
	let fence = null; // the open fence: {char, len, indent, block}
	markdown.split(/\r?\n/).forEach((line, i) => {
		if (fence === null) {
			const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(line);
			if (!open || (open[2][0] === "`" && open[3].includes("`"))) return;
			const mermaid = open[3].trim().split(/\s+/)[0].toLowerCase() === "mermaid";
			fence = { char: open[2][0], len: open[2].length, indent: open[1].length, block: null };
			if (mermaid) blocks.push((fence.block = { line: i + 1, lines: [] }));
			return;
		}
		const close = /^\s*(`{3,}|~{3,})\s*$/.exec(line);
		if (close && close[1][0] === fence.char && close[1].length >= fence.len) {
			fence = null;
			return;
		}
		// Content loses up to the opening fence's indentation, as CommonMark says.
		fence.block?.lines.push(line.replace(new RegExp(`^ {0,${fence.indent}}`), ""));
	});
	return blocks.map(({ line, lines }) => ({ line, text: lines.join("\n") }));
}

// The page: mermaid from the local file, the diagrams as JSON, the results written into
// <pre id="result"> as one URI-encoded JSON text (no HTML escaping to undo), then "done".
function page(mermaidJs, diagrams) {
	const data = JSON.stringify(diagrams.map((d) => d.text)).replace(/</g, "\\u003c");
	return `<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src file: 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<script src="${new URL(`file://${mermaidJs}`).href}"></script>
</head><body><pre id="result"></pre><div id="work"></div>
<script>
(async () => {
	const results = [];
	try {
		mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
		const texts = ${data};
		for (let i = 0; i < texts.length; i++) {
			try {
				const { svg } = await mermaid.render("d" + i, texts[i], document.getElementById("work"));
				results.push(svg.includes("<svg") ? { ok: true } : { error: "mermaid returned no SVG" });
			} catch (e) {
				results.push({ error: String((e && e.message) || e) });
			}
		}
	} catch (e) {
		results.push({ error: "the page failed: " + String((e && e.message) || e) });
	}
	document.getElementById("result").textContent = "RESULT:" + encodeURIComponent(JSON.stringify(results)) + ":END";
})();
</script></body></html>
`;
}

function main(args) {
	const mermaidJs = resolve(process.env.MERMAID_DIR || ".cache/mermaid", "node_modules/mermaid/dist/mermaid.min.js");
	if (!existsSync(mermaidJs)) die(`${mermaidJs} is missing: make check installs it (npm ci of tools/mermaid)`);
	const files = args.length
		? args
		: execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.md"], { encoding: "utf8" })
				.split("\n")
				.filter(Boolean);
	const diagrams = files.flatMap((file) => mermaidBlocks(readFileSync(file, "utf8")).map((b) => ({ file, ...b })));
	if (diagrams.length === 0) {
		console.log("rendered 0 mermaid diagrams (none found)");
		return;
	}

	const dir = mkdtempSync(join(tmpdir(), "mermaid-check-"));
	try {
		const html = join(dir, "page.html");
		writeFileSync(html, page(mermaidJs, diagrams));
		const chromium = process.env.CHROMIUM || "chromium";
		// --no-sandbox: Chromium's sandbox refuses to start as root (CI runs as root); the page
		// is our own. The --disable-* flags keep Chromium from calling home on a closed network.
		const run = spawnSync(
			chromium,
			[
				"--headless",
				"--no-sandbox",
				"--disable-gpu",
				"--disable-dev-shm-usage",
				"--no-first-run",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
				"--disable-quic",
				`--user-data-dir=${join(dir, "profile")}`,
				"--virtual-time-budget=60000",
				"--dump-dom",
				new URL(`file://${html}`).href,
			],
			{ encoding: "utf8", timeout: 300_000, maxBuffer: 256 << 20 },
		);
		const found = /RESULT:([^:<]*):END/.exec(run.stdout || "");
		if (!found) {
			die(`${chromium} gave no result (exit ${run.status}${run.error ? `, ${run.error.message}` : ""}):\n${(run.stderr || "").trim()}`);
		}
		const results = JSON.parse(decodeURIComponent(found[1]));
		if (results.length !== diagrams.length) die(results.at(-1)?.error || "the page gave too few results");
		let failed = 0;
		diagrams.forEach((d, i) => {
			if (results[i].ok) {
				console.log(`  ok ${d.file}:${d.line}`);
				return;
			}
			failed++;
			const error = results[i].error.replace(/\n/g, "\n    ");
			// mermaid counts lines from the block's first line, the one after the fence.
			console.error(`  FAIL ${d.file}:${d.line}: the mermaid diagram does not render (its line 1 is line ${d.line + 1} of the file):\n    ${error}`);
		});
		if (failed) die(`${failed} of ${diagrams.length} mermaid diagrams do not render`);
		console.log(`  rendered ${diagrams.length} mermaid diagrams`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

main(process.argv.slice(2));
