using Prometheus;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Observability;

/// <summary>
/// Router's Prometheus metrics (served at /metrics). Rates are left to PromQL: fetch success rate from
/// <c>router_catalog_fetches_total</c>, error rate by model from <c>router_upstream_calls_total</c>. Labels carry model
/// ids, error kinds and quota scopes, never keys. One instance per node, handed to what records: a node process uses
/// the process's default registry (with its process metrics); nodes in a test process each get their own registry.
/// </summary>
public sealed class RouterMetrics
{
    static RouterMetrics()
    {
        // Before anything touches the default registry: prometheus-net would otherwise listen to every .NET Meter and
        // EventCounter, which switches on Kestrel's and HttpClient's per-request instruments on both HTTP legs (see
        // docs/benchmarks.md). Process metrics (CPU, memory, threads) stay.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true, SuppressEventCounters = true });
    }

    /// <summary>The metrics of a node that has its process to itself.</summary>
    public static RouterMetrics ForProcess() => new(Metrics.DefaultRegistry);

    /// <summary>Metrics of their own, for one of several nodes or actors in a process (tests).</summary>
    public static RouterMetrics Isolated() => new(Metrics.NewCustomRegistry());

    public CollectorRegistry Registry { get; }

    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 18); // 0.5 ms .. ~65 s

    public Counter CatalogFetches { get; }

    public Histogram CatalogFetchSeconds { get; }

    public Gauge CatalogModels { get; }

    public Histogram RequestSeconds { get; }

    public Histogram ModelCallSeconds { get; }

    public Histogram TimeToFirstTokenSeconds { get; }

    public Counter UpstreamCalls { get; }

    public Counter UpstreamErrors { get; }

    public Counter Fallbacks { get; }

    /// <summary>The fallbacks counted in <see cref="Fallbacks"/>, by time (the health page's chart).</summary>
    public FallbackHistory FallbackHistory { get; } = new();

    /// <summary>A route moves on to its next candidate, for <paramref name="reason"/>.</summary>
    public void FellBack(string reason, DateTimeOffset now)
    {
        Fallbacks.WithLabels(reason).Inc();
        FallbackHistory.Record(now);
    }

    public Counter Routes { get; }

    public Gauge CircuitState { get; }

    public Counter QuotaDecisions { get; }

    public Gauge QuotaUsed { get; }

    public Counter Spend { get; }

    public Counter CacheRequests { get; }

    public Gauge CacheBytes { get; }

    public Gauge CacheEntries { get; }

    public Counter CacheEvictions { get; }

    public Counter CacheSavedUsd { get; }

    public Counter KeySpend { get; }

    /// <summary>The process's time in GC pauses, read at each scrape: the first suspect for a latency tail.</summary>
    public Counter GcPauseSeconds { get; }

    private RouterMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        CatalogFetches = factory.CreateCounter(
        "router_catalog_fetches_total", "Catalog fetches from OpenRouter (GET /models), by result.", "result");
        CatalogFetchSeconds = factory.CreateHistogram(
        "router_catalog_fetch_duration_seconds", "Time to fetch the catalog.", new HistogramConfiguration { Buckets = LatencyBuckets });
        CatalogModels = factory.CreateGauge("router_catalog_models", "Models in this node's catalog replica.");
        RequestSeconds = factory.CreateHistogram(
        "router_request_duration_seconds", "Routed chat requests on this node's front, until the answer (or the first token when streaming).",
        new HistogramConfiguration { LabelNames = ["stream", "result"], Buckets = LatencyBuckets });
        ModelCallSeconds = factory.CreateHistogram(
        "router_model_call_duration_seconds", "Upstream calls by model: the whole answer, or the first token when streaming.",
        new HistogramConfiguration { LabelNames = ["model", "stream"], Buckets = LatencyBuckets });
        TimeToFirstTokenSeconds = factory.CreateHistogram(
        "router_time_to_first_token_seconds", "Streaming: time from the call to the first content token, by model.",
        new HistogramConfiguration { LabelNames = ["model"], Buckets = LatencyBuckets });
        UpstreamCalls = factory.CreateCounter(
        "router_upstream_calls_total", "Upstream calls by model and result (ok, or the error kind).", "model", "result");
        UpstreamErrors = factory.CreateCounter(
        "router_upstream_errors_total", "Failed upstream calls by model, kind and HTTP status.", "model", "kind", "status");
        Fallbacks = factory.CreateCounter(
        "router_fallbacks_total", "Moves to the next candidate model, by reason.", "reason");
        Routes = factory.CreateCounter(
        "router_routes_total", "Routed requests by outcome (ok, or the deciding error kind).", "result");
        CircuitState = factory.CreateGauge(
        "router_circuit_state", "Circuit per model hosted on this node: 0 closed, 1 half-open, 2 open.", "model");
        QuotaDecisions = factory.CreateCounter(
        "router_quota_decisions_total", "Daily cap checks by scope (global, key) and result.", "scope", "result");
        QuotaUsed = factory.CreateGauge(
        "router_quota_used", "Requests counted today, as last seen by this node, by scope (global, or a key's id).", "scope");
        Spend = factory.CreateCounter("router_spend_usd_total", "What answers cost in USD (OpenRouter's usage.cost, else tokens times the catalog's prices), by model.", "model");
        KeySpend = factory.CreateCounter("router_key_spend_usd_total", "What answers cost in USD, by client key id (anonymous without client keys).", "key");
        CacheRequests = factory.CreateCounter("router_cache_requests_total",
            "Cacheable requests by result: hit, coalesced (waited for an identical request in flight), miss, bypass (no-store).", "result");
        CacheBytes = factory.CreateGauge("router_cache_bytes", "Bytes of cached answers this node holds.");
        CacheEntries = factory.CreateGauge("router_cache_entries", "Cached answers this node holds.");
        CacheEvictions = factory.CreateCounter("router_cache_evictions_total", "Cached answers dropped for the node's byte budget.");
        CacheSavedUsd = factory.CreateCounter("router_cache_saved_usd_total",
            "What answers served from the cache (hits and coalesced) cost when first asked, in USD: the upstream spend they saved.");
        GcPauseSeconds = factory.CreateCounter("dotnet_gc_pause_seconds_total",
            "Time this process's threads were paused for garbage collection since it started.");
        registry.AddBeforeCollectCallback(() => GcPauseSeconds.IncTo(GC.GetTotalPauseDuration().TotalSeconds));
        _routesOk = Routes.WithLabels("ok");
        _plainSecondsOk = RequestSeconds.WithLabels("false", "ok");
        _streamSecondsOk = RequestSeconds.WithLabels("true", "ok");
    }

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
        UpstreamErrorKind.NoCandidate => "no_candidate",
        _ => "other",
    };

    /// <summary>
    /// The series of one model's successful calls, looked up once per model actor rather than on every call, and only
    /// when first used (a model never called exports no series).
    /// </summary>
    public ModelSeries SeriesOf(ModelId model) => new(this, model);

    public sealed class ModelSeries(RouterMetrics metrics, ModelId model)
    {
        private Histogram.Child? _plain;
        private Histogram.Child? _stream;
        private Counter.Child? _ok;
        private Histogram.Child? _firstToken;

        public void RecordCall(bool stream, double latencyMs)
        {
            var series = stream
                ? _stream ??= metrics.ModelCallSeconds.WithLabels(model.Value, "true")
                : _plain ??= metrics.ModelCallSeconds.WithLabels(model.Value, "false");
            series.Observe(latencyMs / 1000);
            (_ok ??= metrics.UpstreamCalls.WithLabels(model.Value, "ok")).Inc();
        }

        public void RecordFirstToken(double ms) => (_firstToken ??= metrics.TimeToFirstTokenSeconds.WithLabels(model.Value)).Observe(ms / 1000);
    }

    /// <summary>A finished route, by outcome (<paramref name="failure"/> null: ok).</summary>
    public void RecordRoute(UpstreamErrorKind? failure)
    {
        if (failure is { } kind) Routes.WithLabels(Label(kind)).Inc();
        else _routesOk.Inc();
    }

    /// <summary>A request answered by the HTTP front, by outcome.</summary>
    public void RecordRequest(bool stream, UpstreamErrorKind? failure, double seconds)
    {
        if (failure is { } kind) RequestSeconds.WithLabels(stream ? "true" : "false", Label(kind)).Observe(seconds);
        else (stream ? _streamSecondsOk : _plainSecondsOk).Observe(seconds);
    }

    // The series of successful routes and requests, looked up once rather than on every request.
    private readonly Counter.Child _routesOk;
    private readonly Histogram.Child _plainSecondsOk;
    private readonly Histogram.Child _streamSecondsOk;

    public void RecordSpend(string model, string clientId, double usd)
    {
        Spend.WithLabels(model).Inc(usd);
        KeySpend.WithLabels(clientId).Inc(usd);
    }

    public void RecordFailure(ModelId model, UpstreamError error)
    {
        var kind = Label(error.Kind);
        UpstreamCalls.WithLabels(model.Value, kind).Inc();
        UpstreamErrors.WithLabels(model.Value, kind, error.StatusCode?.ToString() ?? "none").Inc();
    }

    public void RecordCircuit(ModelId model, CircuitState state) =>
        CircuitState.WithLabels(model.Value).Set(state switch { Contracts.Messages.CircuitState.Open => 2, Contracts.Messages.CircuitState.HalfOpen => 1, _ => 0 });
}
