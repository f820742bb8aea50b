using System.Diagnostics;
using System.Globalization;
using Router.Actors.Observability;
using Tags = Router.Actors.Observability.RouterTracing.Tags;

namespace Router.Actors.OpenRouter;

/// <summary>
/// The client span of each HTTP call to OpenRouter made inside a sampled Router span (OpenTelemetry's HTTP
/// conventions), with its context sent upstream as <c>traceparent</c>. A call outside one (the catalog fetch, a
/// request not sampled) costs nothing and sends nothing. Made here rather than by the HttpClient instrumentation,
/// which creates an activity for every call.
/// </summary>
public sealed class UpstreamSpans(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        RouterTracing.Call is { Recorded: true } parent
            ? SendTracedAsync(request, parent, cancellationToken)
            : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> SendTracedAsync(HttpRequestMessage request, Activity parent, CancellationToken ct)
    {
        var span = RouterTracing.StartChild(request.Method.Method, ActivityKind.Client, parent);
        if (span is null) return await base.SendAsync(request, ct);
        var url = request.RequestUri!;
        span.SetTag("http.request.method", request.Method.Method)
            .SetTag("server.address", url.Host)
            .SetTag("server.port", url.Port)
            .SetTag("url.full", url.GetLeftPart(UriPartial.Path));
        request.Headers.TryAddWithoutValidation("traceparent", span.Id);
        if (span.TraceStateString is { } state) request.Headers.TryAddWithoutValidation("tracestate", state);
        try
        {
            var response = await base.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            span.SetTag(Tags.HttpStatus, status).SetTag("network.protocol.version", response.Version.ToString(2));
            if (status >= 400) span.SetTag(Tags.ErrorType, status.ToString(CultureInfo.InvariantCulture)).SetStatus(ActivityStatusCode.Error);
            return response;
        }
        catch (Exception e)
        {
            span.SetTag(Tags.ErrorType, e.GetType().FullName).SetStatus(ActivityStatusCode.Error);
            throw;
        }
        finally
        {
            RouterTracing.End(span);
        }
    }
}
