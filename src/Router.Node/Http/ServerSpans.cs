using System.Diagnostics;
using Microsoft.AspNetCore.Routing;
using Router.Actors.Observability;
using Tags = Router.Actors.Observability.RouterTracing.Tags;

namespace Router.Node.Http;

/// <summary>
/// The server span of each API request (OpenTelemetry's HTTP conventions), made here rather than by ASP.NET Core's
/// instrumentation, which creates and fills an activity for every request, sampled or not. An incoming
/// <c>traceparent</c> is continued. Under a parent its caller did not sample nothing is made, and the parent travels
/// on to the route (<see cref="TraceParentOf"/>) so that the route is not sampled on its own either. Like Router's
/// other spans it is never made <see cref="Activity.Current"/>: the request's code finds it in the request's features.
/// </summary>
public static class ServerSpans
{
    /// <summary>The request's span (null when not sampled) and the <c>traceparent</c> its route continues.</summary>
    private sealed record RequestTrace(Activity? Span, string? TraceParent);

    public static IApplicationBuilder UseServerSpans(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!RouterTracing.Source.HasListeners() || !IsApiRequest(http.Request.Path))
        {
            await next(http);
            return;
        }
        string? traceParent = http.Request.Headers.TraceParent;
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var span = RouterTracing.StartSpan(route is null ? http.Request.Method : http.Request.Method + " " + route, ActivityKind.Server, traceParent);
        if (span is not { Recorded: true })
        {
            http.Features.Set(new RequestTrace(null, span?.Id ?? traceParent));
            RouterTracing.End(span);
            await next(http);
            return;
        }
        http.Features.Set(new RequestTrace(span, span.Id));
        if (span.IsAllDataRequested) Describe(span, http, route);
        try
        {
            await next(http);
        }
        catch (Exception e) when (span.IsAllDataRequested)
        {
            span.SetTag(Tags.ErrorType, e.GetType().FullName).SetStatus(ActivityStatusCode.Error);
            throw;
        }
        finally
        {
            if (span.IsAllDataRequested) Finish(span, http.Response.StatusCode);
            RouterTracing.End(span);
        }
    });

    /// <summary>The request's span, to tag; null when it is not traced.</summary>
    public static Activity? SpanOf(HttpContext http) => http.Features.Get<RequestTrace>()?.Span;

    /// <summary>The <c>traceparent</c> a request's route continues: its server span's, or the unsampled caller's.</summary>
    public static string? TraceParentOf(HttpContext http) => http.Features.Get<RequestTrace>()?.TraceParent;

    /// <summary>The request's trace id (for its log line), sampled or not; null when tracing is off.</summary>
    public static string? TraceIdOf(HttpContext http) =>
        TraceParentOf(http) is { Length: 55 } parent ? parent.Substring(3, 32) : null;

    /// <summary>Requests for answers and models; not the probes, metrics scrapes and health page polls.</summary>
    private static bool IsApiRequest(PathString path) => path.StartsWithSegments("/v1") || path.StartsWithSegments("/api/v1");

    private static void Describe(Activity span, HttpContext http, string? route)
    {
        var request = http.Request;
        span.SetTag("http.request.method", request.Method)
            .SetTag("url.scheme", request.Scheme)
            .SetTag("url.path", request.Path.Value)
            .SetTag("network.protocol.version", request.Protocol switch { "HTTP/1.1" => "1.1", "HTTP/2" => "2", "HTTP/3" => "3", var other => other });
        if (route is not null) span.SetTag("http.route", route);
    }

    private static void Finish(Activity span, int status)
    {
        span.SetTag(Tags.HttpStatus, status);
        if (status >= 500) span.SetTag(Tags.ErrorType, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).SetStatus(ActivityStatusCode.Error);
    }
}
