using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Router.Actors.Observability;
using Router.Node.Configuration;

namespace Router.Node.Hosting;

/// <summary>
/// OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_ENDPOINT is set (the other OTEL_* variables, the sampler
/// included, are the SDK's own): the API's HTTP requests (an incoming <c>traceparent</c> continued), Router's route,
/// attempt and call spans, and the HTTP calls to OpenRouter. Off, nothing listens and no span is made.
/// </summary>
public static class RouterTracingHosting
{
    public static IServiceCollection AddRouterTracing(this IServiceCollection services, RouterSettings settings, Action<TracerProviderBuilder>? extra)
    {
        if (!settings.Tracing && extra is null) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "router",
                serviceInstanceId: $"{settings.Hostname}:{settings.Port}"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(RouterTracing.SourceName)
                    .AddAspNetCoreInstrumentation(o => o.Filter = IsApiRequest)
                    // Only calls inside a trace: a call with no parent is either outside any request (the catalog
                    // fetch) or a request's call that was not sampled, whose trace must not appear as an orphan.
                    .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = _ =>
                        System.Diagnostics.Activity.Current is { } call && call.ParentSpanId != default(System.Diagnostics.ActivitySpanId));
                if (settings.Tracing) tracing.AddOtlpExporter();
                extra?.Invoke(tracing);
            });
        return services;
    }

    /// <summary>Requests for answers and models; not the probes, metrics scrapes and health page polls.</summary>
    private static bool IsApiRequest(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/v1") || http.Request.Path.StartsWithSegments("/api/v1");
}
