namespace Router.Node.Http;

/// <summary>
/// <c>GET /router/health</c>: a live page of model health, refreshing itself from <c>/router/models</c> every 2 s, with
/// the last 15 minutes drawn as inline SVG charts from <c>/router/history</c> every 10 s (no script or style from
/// elsewhere: it works offline). With client keys configured, open it as <c>/router/health?key=KEY</c>.
/// </summary>
public static class HealthPage
{
    public static void MapHealthPage(this IEndpointRouteBuilder app) =>
        app.MapGet("/router/health", () => Results.Content(Html, "text/html; charset=utf-8"));

    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Router: model health</title>
        <style>
          body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2330; background: #f6f7f9; }
          h1 { font-size: 20px; margin: 0 0 4px; }
          #summary { color: #5a6270; margin-bottom: 16px; }
          table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px #0001; }
          th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eceef2; white-space: nowrap; }
          th { background: #eef0f4; font-weight: 600; }
          td.err { white-space: normal; color: #7a2830; max-width: 420px; }
          .pill { padding: 2px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; }
          .closed { background: #d8f3df; color: #17652e; }
          .open { background: #fbd9d9; color: #8d1b1b; }
          .half_open { background: #fdecc8; color: #845a05; }
          .resting { background: #e3e6ff; color: #2f3a99; }
          .num { text-align: right; font-variant-numeric: tabular-nums; }
          h2 { font-size: 16px; margin: 20px 0 8px; }
          #charts { display: grid; gap: 8px; margin-bottom: 16px; }
          .card { background: #fff; box-shadow: 0 1px 2px #0001; padding: 8px 12px; display: grid; grid-template-columns: 220px repeat(5, 1fr); gap: 10px; align-items: center; }
          .card .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; }
          .card.total { background: #eef3ff; }
          .chart-box { font-size: 11px; color: #5a6270; }
          .chart-box b { color: #1d2330; font-weight: 600; }
          svg.chart { width: 100%; height: 36px; display: block; background: #fafbfc; }
          svg.chart polyline { fill: none; stroke-width: 1.5; }
        </style>
        </head>
        <body>
        <h1>Model health</h1>
        <div id="summary">loading...</div>
        <h2>Last 15 minutes</h2>
        <div id="charts">loading...</div>
        <table>
          <thead><tr><th>Model</th><th>Circuit</th><th>Resting until</th><th class="num">Latency (EWMA)</th>
            <th class="num">First token</th><th class="num">Tokens/s</th>
            <th class="num">OK</th><th class="num">Failed</th><th class="num">Error rate (recent)</th><th class="num">Score</th><th class="num">In flight</th><th>Node</th><th>Last error</th></tr></thead>
          <tbody id="rows"></tbody>
        </table>
        <script>
          const key = new URLSearchParams(location.search).get("key");
          const headers = key ? { "Authorization": "Bearer " + key } : {};
          const esc = s => String(s ?? "").replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
          const time = t => t ? new Date(t).toLocaleTimeString() : "";
          async function refresh() {
            try {
              const models = await (await fetch("/router/models", { headers })).json();
              let open = 0, resting = 0;
              document.getElementById("rows").innerHTML = models.map(m => {
                const p = m.performance || {};
                const rate = p.error_rate != null ? (100 * p.error_rate).toFixed(1) + " %" : "";
                if (m.circuit === "open") open++;
                if (m.cooldown_until) resting++;
                const state = m.cooldown_until && m.circuit === "closed" ? `<span class="pill resting">${esc(m.cooldown_reason)}</span>` : "";
                return `<tr data-model="${esc(m.model_id)}"><td>${esc(m.model_id)}</td>
                  <td><span class="pill ${m.circuit}">${m.circuit.replace("_", "-")}</span> ${state}</td>
                  <td>${time(m.cooldown_until || (m.circuit === "open" ? m.open_until : null))}</td>
                  <td class="num">${m.latency_ewma_ms != null ? m.latency_ewma_ms.toFixed(0) + " ms" : ""}</td>
                  <td class="num">${p.first_token_ms != null ? p.first_token_ms.toFixed(0) + " ms" : ""}</td>
                  <td class="num">${p.tokens_per_second != null ? p.tokens_per_second.toFixed(1) : ""}</td>
                  <td class="num">${m.successes}</td><td class="num">${m.failures}</td><td class="num">${rate}</td>
                  <td class="num">${m.score != null ? m.score.toFixed(3) : ""}</td>
                  <td class="num">${m.in_flight}</td><td>${esc(m.node)}</td><td class="err">${esc(m.last_error)}</td></tr>`;
              }).join("");
              document.getElementById("summary").textContent =
                `${models.length} active models, ${open} open circuits, ${resting} resting; updated ${new Date().toLocaleTimeString()}`;
            } catch (e) {
              document.getElementById("summary").textContent = "cannot reach Router: " + e;
            }
          }
          // One chart over the full 15 minutes (90 slots, the newest bucket at the right): each series a line with a dot
          // per bucket that has a value, scaled to the largest value.
          const slots = 90;
          const xOf = (j, n) => (180 * (slots - n + j) / (slots - 1)).toFixed(1);
          function chart(name, series, colors, max) {
            const n = Math.max(1, ...series.map(s => s.length));
            const top = max ?? Math.max(1e-9, ...series.flat().filter(v => v != null));
            const lines = series.map((s, i) => {
              const pts = s.map((v, j) => v == null ? null : [xOf(j, n), (38 - 36 * v / top).toFixed(1)]).filter(p => p);
              return `<polyline stroke="${colors[i]}" points="${pts.map(p => p.join(",")).join(" ")}"/>` +
                pts.map(p => `<circle cx="${p[0]}" cy="${p[1]}" r="1.6" fill="${colors[i]}"/>`).join("");
            }).join("");
            return `<svg class="chart" data-series="${name}" viewBox="0 0 180 40" preserveAspectRatio="none">${lines}</svg>`;
          }
          function circuitStrip(points) {
            const w = 180 / slots;
            const color = { closed: "#5cb874", open: "#d64545", half_open: "#e0a526" };
            return `<svg class="chart" data-series="circuit" viewBox="0 0 180 40" preserveAspectRatio="none">` +
              points.map((p, j) => `<rect x="${(180 * (slots - points.length + j) / slots).toFixed(1)}" y="12" width="${(w + 0.3).toFixed(1)}" height="16" fill="${color[p.circuit]}"/>`).join("") + `</svg>`;
          }
          // The headline: the last whole bucket (the one under way has only begun), else the one under way.
          const last = s => [...(s.length > 1 ? s.slice(0, -1) : s)].reverse().find(v => v != null);
          const fmt = (v, unit, digits = 1) => v == null ? "-" : v.toFixed(digits) + unit;
          function card(name, points, seconds, total) {
            const reqs = points.map(p => (p.calls + p.failures) / seconds);
            const errors = points.map(p => p.calls + p.failures ? 100 * p.failures / (p.calls + p.failures) : null);
            const p50 = points.map(p => p.latency_p50_ms), p95 = points.map(p => p.latency_p95_ms);
            const ttft = points.map(p => p.first_token_ms);
            const fallbacks = points.map(p => (p.fallbacks ?? 0) / seconds);
            const box = (label, value, svg) => `<div class="chart-box">${label} <b>${value}</b>${svg}</div>`;
            return `<div class="card${total ? " total" : ""}" data-history="${esc(name)}"><div class="name">${esc(name)}</div>` +
              box("requests/s", fmt(last(reqs), ""), chart("requests", [reqs], ["#3a6ff7"])) +
              box("error rate", fmt(last(errors), " %"), chart("errors", [errors], ["#d64545"], 100)) +
              box("latency p50/p95", fmt(last(p50), "", 0) + " / " + fmt(last(p95), " ms", 0), chart("latency", [p50, p95], ["#3a6ff7", "#9b59d0"])) +
              box("first token", fmt(last(ttft), " ms", 0), chart("ttft", [ttft], ["#2a9d8f"])) +
              (total ? box("fallbacks/s (this node)", fmt(last(fallbacks), ""), chart("fallbacks", [fallbacks], ["#e0a526"]))
                     : box("circuit", esc(points.length ? points[points.length - 1].circuit.replace("_", "-") : ""), circuitStrip(points))) + `</div>`;
          }
          // Every model's buckets summed by time: the cluster's calls (each model's actor counts all of its own), with
          // the fallbacks of this node's routes (router_fallbacks_total) in the same buckets.
          function totals(models, nodeFallbacks) {
            const fellBack = new Map(nodeFallbacks.map(p => [Date.parse(p.start), p.fallbacks]));
            const byStart = new Map();
            for (const m of models) for (const p of m.points) {
              const t = byStart.get(p.start) ?? { start: p.start, calls: 0, failures: 0, lat: [], p95: [], ttft: [], circuit: "closed" };
              t.calls += p.calls; t.failures += p.failures;
              if (p.latency_p50_ms != null) t.lat.push(p.latency_p50_ms);
              if (p.latency_p95_ms != null) t.p95.push(p.latency_p95_ms);
              if (p.first_token_ms != null) t.ttft.push(p.first_token_ms);
              byStart.set(p.start, t);
            }
            const median = a => a.length ? [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] : null;
            return [...byStart.values()].sort((a, b) => a.start < b.start ? -1 : 1).map(t => ({
              calls: t.calls, failures: t.failures, latency_p50_ms: median(t.lat), latency_p95_ms: t.p95.length ? Math.max(...t.p95) : null,
              first_token_ms: median(t.ttft), circuit: t.circuit, fallbacks: fellBack.get(Date.parse(t.start)) ?? 0 }));
          }
          async function refreshCharts() {
            try {
              const history = await (await fetch("/router/history", { headers })).json();
              const seconds = history.bucket_seconds;
              const trouble = m => {
                const recent = m.points.slice(-30), calls = recent.reduce((a, p) => a + p.calls + p.failures, 0);
                const open = m.points.length && m.points[m.points.length - 1].circuit !== "closed" ? 1 : 0;
                return [open, calls ? recent.reduce((a, p) => a + p.failures, 0) / calls : 0, calls];
              };
              const models = [...history.models].sort((a, b) => {
                const [x, y] = [trouble(a), trouble(b)];
                return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
              });
              document.getElementById("charts").innerHTML = card("all models (cluster)", totals(models, history.node_fallbacks), seconds, true) +
                models.map(m => card(m.model_id, m.points, seconds, false)).join("");
            } catch (e) {
              document.getElementById("charts").textContent = "cannot reach Router: " + e;
            }
          }
          refresh();
          refreshCharts();
          setInterval(refresh, 2000);
          setInterval(refreshCharts, 10000);
        </script>
        </body>
        </html>
        """;
}
