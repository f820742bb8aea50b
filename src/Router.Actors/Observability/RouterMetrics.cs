using Prometheus;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Observability;

/// <summary>
/// Router's Prometheus metrics (served at /metrics). Rates are left to PromQL: fetch success rate from
/// <c>router_catalog_fetches_total</c>, error rate by model from <c>router_upstream_calls_total</c>. Labels carry model
/// ids, error kinds and quota scopes, never keys.
/// </summary>
public static class RouterMetrics
{
    // Runs before the metrics below touch the default registry. prometheus-net would otherwise listen to every .NET
    // Meter and EventCounter, which switches on Kestrel's and HttpClient's per-request instruments on both HTTP legs:
    // about a tenth of routed throughput (measured with wrk). Process metrics (CPU, memory, threads) stay.
    private static readonly bool RuntimeAdaptersOff = SuppressRuntimeAdapters();

    /// <summary>Touch this before anything else uses the default registry (the node does, first thing).</summary>
    public static bool Ready => RuntimeAdaptersOff;

    private static bool SuppressRuntimeAdapters()
    {
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true, SuppressEventCounters = true });
        return true;
    }

    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 18); // 0.5 ms .. ~65 s

    public static readonly Counter CatalogFetches = Metrics.CreateCounter(
        "router_catalog_fetches_total", "Catalog fetches from OpenRouter (GET /models), by result.", "result");

    public static readonly Histogram CatalogFetchSeconds = Metrics.CreateHistogram(
        "router_catalog_fetch_duration_seconds", "Time to fetch the catalog.", new HistogramConfiguration { Buckets = LatencyBuckets });

    public static readonly Gauge CatalogModels = Metrics.CreateGauge("router_catalog_models", "Models in this node's catalog replica.");

    public static readonly Histogram RequestSeconds = Metrics.CreateHistogram(
        "router_request_duration_seconds", "Routed chat requests on this node's front, until the answer (or the first token when streaming).",
        new HistogramConfiguration { LabelNames = ["stream", "result"], Buckets = LatencyBuckets });

    public static readonly Histogram ModelCallSeconds = Metrics.CreateHistogram(
        "router_model_call_duration_seconds", "Upstream calls by model: the whole answer, or the first token when streaming.",
        new HistogramConfiguration { LabelNames = ["model", "stream"], Buckets = LatencyBuckets });

    public static readonly Histogram TimeToFirstTokenSeconds = Metrics.CreateHistogram(
        "router_time_to_first_token_seconds", "Streaming: time from the call to the first content token, by model.",
        new HistogramConfiguration { LabelNames = ["model"], Buckets = LatencyBuckets });

    public static readonly Counter UpstreamCalls = Metrics.CreateCounter(
        "router_upstream_calls_total", "Upstream calls by model and result (ok, or the error kind).", "model", "result");

    public static readonly Counter UpstreamErrors = Metrics.CreateCounter(
        "router_upstream_errors_total", "Failed upstream calls by model, kind and HTTP status.", "model", "kind", "status");

    public static readonly Counter Fallbacks = Metrics.CreateCounter(
        "router_fallbacks_total", "Moves to the next candidate model, by reason.", "reason");

    public static readonly Counter Routes = Metrics.CreateCounter(
        "router_routes_total", "Routed requests by outcome (ok, or the deciding error kind).", "result");

    public static readonly Gauge CircuitState = Metrics.CreateGauge(
        "router_circuit_state", "Circuit per model hosted on this node: 0 closed, 1 half-open, 2 open.", "model");

    public static readonly Counter QuotaDecisions = Metrics.CreateCounter(
        "router_quota_decisions_total", "Daily cap checks by scope (global, key) and result.", "scope", "result");

    public static readonly Gauge QuotaUsed = Metrics.CreateGauge(
        "router_quota_used", "Requests counted today, as last seen by this node, by scope (global, or a key's id).", "scope");

    public static string Label(UpstreamErrorKind kind) => kind switch
    {
        UpstreamErrorKind.RateLimited => "rate_limited",
        UpstreamErrorKind.ServerError => "server_error",
        UpstreamErrorKind.Timeout => "timeout",
        UpstreamErrorKind.Network => "network",
        UpstreamErrorKind.ModelUnavailable => "model_unavailable",
        UpstreamErrorKind.ContextLengthExceeded => "context_length",
        UpstreamErrorKind.BadRequest => "bad_request",
        UpstreamErrorKind.Unauthorized => "unauthorized",
        UpstreamErrorKind.PaymentRequired => "payment_required",
        UpstreamErrorKind.Forbidden => "forbidden",
        UpstreamErrorKind.InvalidResponse => "invalid_response",
        UpstreamErrorKind.StreamError => "stream_error",
        UpstreamErrorKind.InvalidRequest => "invalid_request",
        UpstreamErrorKind.Internal => "internal",
        UpstreamErrorKind.UnknownModel => "unknown_model",
        _ => "other",
    };

    /// <summary>
    /// The series of one model's successful calls, looked up once per model actor rather than on every call, and only
    /// when first used (a model never called exports no series).
    /// </summary>
    public sealed class ModelSeries(ModelId model)
    {
        private Histogram.Child? _plain;
        private Histogram.Child? _stream;
        private Counter.Child? _ok;
        private Histogram.Child? _firstToken;

        public void RecordCall(bool stream, double latencyMs)
        {
            var series = stream
                ? _stream ??= ModelCallSeconds.WithLabels(model.Value, "true")
                : _plain ??= ModelCallSeconds.WithLabels(model.Value, "false");
            series.Observe(latencyMs / 1000);
            (_ok ??= UpstreamCalls.WithLabels(model.Value, "ok")).Inc();
        }

        public void RecordFirstToken(double ms) => (_firstToken ??= TimeToFirstTokenSeconds.WithLabels(model.Value)).Observe(ms / 1000);
    }

    /// <summary>A finished route, by outcome (<paramref name="failure"/> null: ok).</summary>
    public static void RecordRoute(UpstreamErrorKind? failure)
    {
        if (failure is { } kind) Routes.WithLabels(Label(kind)).Inc();
        else RoutesOk.Inc();
    }

    /// <summary>A request answered by the HTTP front, by outcome.</summary>
    public static void RecordRequest(bool stream, UpstreamErrorKind? failure, double seconds)
    {
        if (failure is { } kind) RequestSeconds.WithLabels(stream ? "true" : "false", Label(kind)).Observe(seconds);
        else (stream ? StreamSecondsOk : PlainSecondsOk).Observe(seconds);
    }

    // The series of successful routes and requests, looked up once rather than on every request.
    private static readonly Counter.Child RoutesOk = Routes.WithLabels("ok");
    private static readonly Histogram.Child PlainSecondsOk = RequestSeconds.WithLabels("false", "ok");
    private static readonly Histogram.Child StreamSecondsOk = RequestSeconds.WithLabels("true", "ok");

    public static void RecordFailure(ModelId model, UpstreamError error)
    {
        var kind = Label(error.Kind);
        UpstreamCalls.WithLabels(model.Value, kind).Inc();
        UpstreamErrors.WithLabels(model.Value, kind, error.StatusCode?.ToString() ?? "none").Inc();
    }

    public static void RecordCircuit(ModelId model, CircuitState state) =>
        CircuitState.WithLabels(model.Value).Set(state switch { Contracts.Messages.CircuitState.Open => 2, Contracts.Messages.CircuitState.HalfOpen => 1, _ => 0 });
}
