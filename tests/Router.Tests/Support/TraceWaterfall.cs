using System.Globalization;
using System.Net;
using System.Text;

namespace Router.Tests.Support;

/// <summary>
/// A trace as a collector received it, drawn the way trace viewers do (one row per span under its parent, a bar
/// for its time, coloured by the node that exported it), as a self-contained HTML page.
/// </summary>
public static class TraceWaterfall
{
    private static readonly string[] Colors = ["#3a6ff7", "#e0a526", "#2a9d8f", "#9b59d0"];
    private static readonly string[] Shown = ["router.route_id", "router.attempt.outcome", "http.response.status_code", "gen_ai.request.model",
        "gen_ai.response.model", "gen_ai.usage.output_tokens", "router.attempts", "error.type", "url.full", "http.route"];

    public static string Html(IReadOnlyList<OtlpReceiver.Span> spans)
    {
        var start = spans.Min(s => s.StartNanos);
        var total = Math.Max(1, spans.Max(s => s.EndNanos) - start);
        var instances = spans.Select(s => s.Instance).Distinct().ToList();
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var rows = new StringBuilder();
        void Row(OtlpReceiver.Span span, int depth)
        {
            string Pct(double nanos) => (100.0 * nanos / total).ToString("0.00", CultureInfo.InvariantCulture);
            var color = Colors[instances.IndexOf(span.Instance) % Colors.Length];
            var ms = ((span.EndNanos - span.StartNanos) / 1e6).ToString("0.00", CultureInfo.InvariantCulture);
            var tags = string.Join("  ", Shown.Where(span.Attributes.ContainsKey).Select(k => $"{k}={span.Attributes[k]}"));
            rows.Append($"""<div class="row"><div class="name" style="padding-left:{depth * 16}px">{WebUtility.HtmlEncode(span.Name)}<span class="node">{WebUtility.HtmlEncode(span.Instance)}</span></div>""")
                .Append($"""<div class="lane"><div class="bar" style="left:{Pct(span.StartNanos - start)}%;width:max(2px,{Pct(span.EndNanos - span.StartNanos)}%);background:{color}"></div>""")
                .Append($"""<span class="ms">{ms} ms</span></div><div class="tags">{WebUtility.HtmlEncode(tags)}</div></div>""");
            foreach (var child in spans.Where(s => s.ParentSpanId == span.SpanId).OrderBy(s => s.StartNanos))
                Row(child, depth + 1);
        }
        foreach (var root in spans.Where(s => !ids.Contains(s.ParentSpanId)).OrderBy(s => s.StartNanos))
            Row(root, 0);
        var legend = string.Join("", instances.Select((n, i) => $"""<span><i style="background:{Colors[i % Colors.Length]}"></i>{WebUtility.HtmlEncode(n)}</span>"""));
        return $$"""
            <!doctype html><html><head><meta charset="utf-8"><title>trace {{spans[0].TraceId}}</title><style>
            body { font: 13px system-ui, sans-serif; margin: 20px; color: #1d2330; background: #f6f7f9; }
            h1 { font-size: 16px; margin: 0 0 4px; } .sub { color: #5a6270; margin-bottom: 12px; }
            .legend span { margin-right: 16px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
            .row { display: grid; grid-template-columns: 360px 1fr; background: #fff; border-bottom: 1px solid #e6e8ec; padding: 4px 8px; }
            .name { font-weight: 600; white-space: nowrap; overflow: hidden; } .node { color: #8a919c; font-weight: 400; margin-left: 8px; font-size: 11px; }
            .lane { position: relative; height: 18px; margin-right: 72px; } .bar { position: absolute; top: 3px; height: 12px; border-radius: 2px; }
            .ms { position: absolute; right: -70px; top: 1px; color: #5a6270; font-size: 11px; }
            .tags { grid-column: 1 / 3; color: #5a6270; font: 11px ui-monospace, monospace; padding-left: 4px; }
            </style></head><body><h1>trace {{spans[0].TraceId}}</h1>
            <div class="sub">{{spans.Count}} spans, {{(total / 1e6).ToString("0.0", CultureInfo.InvariantCulture)}} ms, as exported over OTLP by each node</div>
            <div class="legend sub">{{legend}}</div>{{rows}}</body></html>
            """;
    }
}
