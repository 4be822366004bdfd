// The page's plotly.js, loaded once for the page's life: panel.py serves it gzip-compressed (so
// that the server does not compress it for every browser); unpacked here into a script of the
// page's own. A browser without DecompressionStream, or one that fails to, loads the plain script
// beside it.

let plotlyLoading = null;

export function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = scriptUrl(src)
      .then(inject)
      .catch(() => inject(plainUrl(src))) // not fetched, not unpacked, or a blob: script refused
      .catch((error) => {
        plotlyLoading = null;
        throw error;
      });
  }
  return plotlyLoading;
}

function inject(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => {
      if (url.startsWith("blob:")) URL.revokeObjectURL(url); // run: its bytes are no longer needed
      resolve(window.Plotly);
    };
    script.onerror = () => {
      script.remove();
      reject(new Error(`could not load ${url}`));
    };
    document.head.appendChild(script);
  });
}

// The plain script beside the gzip (panel.py writes both).
function plainUrl(src) {
  const url = new URL(src, document.baseURI);
  url.pathname = url.pathname.replace(/\.gz$/, "");
  return url.href;
}

async function scriptUrl(src) {
  const url = new URL(src, document.baseURI);
  if (!url.pathname.endsWith(".gz") || typeof DecompressionStream === "undefined") return plainUrl(src);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${src}: ${response.status}`);
  const bytes = await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).blob();
  return URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
}
