using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Catalog;

/// <summary>
/// The cluster singleton that owns the model list: fetches <c>GET /models</c>, keeps it for the TTL, refreshes on a
/// timer, keeps serving the last good list (retrying with backoff) when a fetch fails, snapshots it so a restart
/// serves it before the first fetch, and publishes every change to the replicas on all nodes.
/// </summary>
public sealed class CatalogActor : ReceivePersistentActor, IWithTimers
{
    public const string Topic = "router-catalog";
    private const string FetchTimer = "fetch";

    private readonly OpenRouterClient _client;
    private readonly CatalogSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private CatalogState _state = CatalogState.Empty;

    public CatalogActor(OpenRouterClient client, CatalogSettings settings, TimeProvider time)
    {
        _client = client;
        _settings = settings;
        _time = time;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is CatalogSnapshot snapshot) _state = CatalogState.FromSnapshot(snapshot);
        });

        Command<Fetch>(_ => OnFetchDue());
        Command<RefreshCatalog>(_ =>
        {
            var now = _time.GetUtcNow();
            var answer = _state.Refresh(now, _settings);
            if (answer.Outcome == CatalogRefreshOutcome.Started)
            {
                _state = _state.RefreshStarted(now);
                FetchNow();
            }
            Sender.Tell(answer);
        });
        Command<GetCatalog>(_ => Sender.Tell(_state.ToUpdate()));
        Command<FetchSucceeded>(OnFetched);
        Command<FetchFailed>(OnFetchFailed);
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr, s.Metadata.Timestamp.AddTicks(-1))));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Catalog snapshot failed; the list stays in memory"));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning(f.Cause, "Could not delete old catalog snapshots"));
    }

    public override string PersistenceId => "catalog";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(OpenRouterClient client, CatalogSettings settings, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new CatalogActor(client, settings, time));

    protected override void OnReplaySuccess()
    {
        if (_state.Models.Count > 0)
        {
            _log.Info("Catalog restored {0} models fetched at {1:O}", _state.Models.Count, _state.FetchedAt);
            Publish();
        }
        ScheduleFetch();
    }

    private void OnFetchDue()
    {
        if (_state.Fetching) return;
        _state = _state.FetchStarted();
        FetchNow();
    }

    private void FetchNow()
    {
        var started = _time.GetTimestamp();
        _client.GetModelsAsync().PipeTo(Self,
            success: models => new FetchSucceeded(models, _time.GetElapsedTime(started)),
            failure: e => new FetchFailed(e is OpenRouterException { Error: var error }
                ? (error.StatusCode is { } status ? $"HTTP {status}: {error.Message}" : error.Message)
                : e.Message));
    }

    private void OnFetched(FetchSucceeded msg)
    {
        _settings.Metrics.CatalogFetches.WithLabels("success").Inc();
        _settings.Metrics.CatalogFetchSeconds.Observe(msg.Elapsed.TotalSeconds);
        _state = _state.Fetched(msg.Models, _time.GetUtcNow());
        _log.Info("Catalog fetched: {0} models in {1:0} ms (version {2})", msg.Models.Count, msg.Elapsed.TotalMilliseconds, _state.Version);
        SaveSnapshot(_state.ToSnapshot());
        Publish();
        ScheduleFetch();
    }

    private void OnFetchFailed(FetchFailed msg)
    {
        _settings.Metrics.CatalogFetches.WithLabels("failure").Inc();
        _state = _state.FetchFailed(msg.Error, _time.GetUtcNow());
        var retryIn = _state.NextFetchIn(_time.GetUtcNow(), _settings);
        _log.Warning("Catalog fetch failed ({0}); serving the last list of {1} models; retry in {2:0} s",
            LogText.Safe(msg.Error), _state.Models.Count, retryIn.TotalSeconds);
        Publish();
        ScheduleFetch();
    }

    private void ScheduleFetch() =>
        Timers.StartSingleTimer(FetchTimer, Fetch.Instance, _state.NextFetchIn(_time.GetUtcNow(), _settings));

    private void Publish() => _mediator.Tell(new Publish(Topic, _state.ToUpdate()));

    private sealed record Fetch
    {
        public static readonly Fetch Instance = new();
    }

    private sealed record FetchSucceeded(IReadOnlyList<ModelInfo> Models, TimeSpan Elapsed);

    private sealed record FetchFailed(string Error);
}

/// <summary>Registry key of the catalog singleton (proxy).</summary>
public sealed class CatalogSingleton;

public static class CatalogActorHosting
{
    /// <summary>Hosts the catalog singleton on <paramref name="role"/> nodes and a proxy to it on this node.</summary>
    public static AkkaConfigurationBuilder AddCatalogSingleton(this AkkaConfigurationBuilder builder,
        OpenRouterClient client, CatalogSettings settings, TimeProvider time, string role) =>
        builder.WithSingleton<CatalogSingleton>("catalog", CatalogActor.Props(client, settings, time),
            SingletonOptions(role), createProxyToo: true);

    /// <summary>A proxy only, for nodes that do not host the singleton.</summary>
    public static AkkaConfigurationBuilder AddCatalogSingletonProxy(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithSingletonProxy<CatalogSingleton>("catalog", SingletonOptions(role));

    // This Akka.NET version warns "failed to find singleton after 30 seconds" at every start, long before 30 s;
    // readiness (/ready needs the catalog) reports a really missing catalog singleton instead.
    private static ClusterSingletonOptions SingletonOptions(string role) => new() { Role = role, LogSingletonIdentificationFailure = false };
}
