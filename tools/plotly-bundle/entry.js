// plotly.js with the trace types the page draws and nothing else: scatter (in every bundle),
// contour, surface and scatter3d. build.js bundles this file into static/plotly-gd.min.js.
var Plotly = require("plotly.js/lib/core");

Plotly.register([require("plotly.js/lib/contour"), require("plotly.js/lib/surface"), require("plotly.js/lib/scatter3d")]);

module.exports = Plotly;
