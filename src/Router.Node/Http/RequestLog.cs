using Router.Contracts.Messages;

namespace Router.Node.Http;

/// <summary>
/// One line per routed request at Information, its values as structured fields (JSON with
/// <c>Logging__Console__FormatterName=json</c>): route id, trace id, status, the model that answered, attempts,
/// latency and, once known, cost. Model switches keep their own lines (the routing log).
/// </summary>
public sealed partial class RequestLog(ILogger<RequestLog> logger)
{
    public void Routed(string routeId, string? traceId, int status, RouteResult result, TimeSpan latency, double? costUsd)
    {
        if (!logger.IsEnabled(LogLevel.Information)) return;
        var model = result switch
        {
            RouteCompleted c => c.Model.Value,
            RouteStreaming s => s.Model.Value,
            _ => null,
        };
        Routed(routeId, traceId ?? "", status, model ?? "", result.Attempts.Count, Math.Round(latency.TotalMilliseconds, 1), costUsd);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Routed {RouteId} (trace {TraceId}): {Status} from {Model} after {Attempts} attempt(s) in {LatencyMs} ms, cost {CostUsd} USD")]
    private partial void Routed(string routeId, string traceId, int status, string model, int attempts, double latencyMs, double? costUsd);
}
