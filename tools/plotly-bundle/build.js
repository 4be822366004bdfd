// Builds static/plotly-gd.min.js from entry.js with plotly.js's own esbuild settings
// (plotly.js 4.1.1, esbuild-config.js), minified. Run here: npm ci && node build.js
// The same lock file gives the same bytes wherever it is built (tests/test_plotly_bundle.py).
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");
const { environmentPlugin } = require("esbuild-plugin-environment");
const { glsl } = require("esbuild-plugin-glsl");

// plotly.js's CSS, injected into the page's head once by the script, as plotly.js's own build
// does (esbuild-plugin-inline-css); the style's id is a digest of the file's path inside
// node_modules rather than of its absolute path, so that the bytes do not depend on the folder.
const inlineCss = {
  name: "inline-css",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, (args) => {
      const where = path.relative(__dirname, args.path).split(path.sep).join("/");
      const id = crypto.createHash("sha256").update(where).digest("hex");
      const css = JSON.stringify(fs.readFileSync(args.path, "utf8"));
      return {
        loader: "js",
        contents: `if (!document.getElementById("${id}")) {
  var e = document.createElement("style");
  e.id = "${id}";
  e.textContent = ${css};
  document.head.appendChild(e);
}`,
      };
    });
  },
};

const version = require("plotly.js/package.json").version;
const out = process.argv[2] || path.join(__dirname, "..", "..", "static", "plotly-gd.min.js");

esbuild
  .build({
    entryPoints: [path.join(__dirname, "entry.js")],
    outfile: out,
    format: "iife",
    globalName: "Plotly",
    bundle: true,
    minify: true,
    sourcemap: false,
    plugins: [inlineCss, glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: "@plotly/regl", stream: "stream-browserify" },
    define: { global: "window", "define.amd": "false" },
    target: "es2016",
    banner: {
      js: `/* plotly.js v${version} (contour, surface, scatter3d and scatter only; tools/plotly-bundle)\n * Copyright 2012-2026, Plotly, Inc. All rights reserved. Licensed under the MIT license */`,
    },
    logLevel: "warning",
  })
  .catch(() => process.exit(1));
