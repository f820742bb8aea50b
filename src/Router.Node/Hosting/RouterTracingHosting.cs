using Router.Client.Configuration;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Router.Actors.Observability;
using Router.Node.Configuration;

namespace Router.Node.Hosting;

/// <summary>
/// OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_ENDPOINT is set (the other OTEL_* variables, the sampler
/// included, are the SDK's own): the API's HTTP requests (an incoming <c>traceparent</c> continued), Router's route,
/// attempt and call spans, and the HTTP calls to OpenRouter, all from Router's own source. Off, nothing listens and no span is made.
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
                // Router's source alone: it makes the API requests' server spans (ServerSpans) and the upstream
                // calls' client spans (UpstreamSpans) too, so that a request not sampled costs no span.
                tracing.AddSource(RouterTracing.SourceName);
                if (settings.Tracing) tracing.AddOtlpExporter();
                extra?.Invoke(tracing);
            });
        return services;
    }
}
