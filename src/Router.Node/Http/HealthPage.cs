namespace Router.Node.Http;

/// <summary>
/// <c>GET /router/health</c>: a live page of model health, refreshing itself from <c>/router/models</c> every 2 s.
/// With client keys configured, open it as <c>/router/health?key=KEY</c>.
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
        </style>
        </head>
        <body>
        <h1>Model health</h1>
        <div id="summary">loading...</div>
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
          refresh();
          setInterval(refresh, 2000);
        </script>
        </body>
        </html>
        """;
}
