using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Streams;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Models;

/// <summary>
/// One per model id, cluster-wide (sharded). Owns the model's circuit, cooldowns and statistics, admits or rejects
/// calls, and runs admitted calls as piped tasks (several in flight). Transitions are persisted; counters are
/// snapshotted. Streams are handed out once the first content chunk is in hand: the source itself to a requester on
/// this node, an <see cref="ISourceRef{TOut}"/> to one on another node. What each outcome does to the model's
/// health, its journal and its snapshots is in ModelActor.Outcomes.cs.
/// </summary>
public sealed partial class ModelActor : ReceivePersistentActor, IWithTimers
{
    private readonly ModelId _id;
    private readonly ModelActorSettings _settings;
    private readonly RouterMetrics.ModelSeries _series;
    private readonly CallHistory _history = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, InFlightCall> _inFlight = new(StringComparer.Ordinal);
    private readonly SnapshotSchedule _snapshots;
    private readonly StreamHandOff _handOff;
    private HealthPublisher? _publisher; // from PreStart, once the timers exist
    private ModelHealth _health = ModelHealth.Initial;
    private bool _stopping;
    private long _lastMessage = Stopwatch.GetTimestamp();
    private bool _passivating;

    public ITimerScheduler Timers { get; set; } = null!;

    public ModelActor(ModelId id, ModelActorSettings settings)
    {
        _id = id;
        _settings = settings;
        _series = settings.Metrics.SeriesOf(id);
        PersistenceId = "model-" + id.Value;
        _snapshots = new SnapshotSchedule(settings.SnapshotEvery, settings.SnapshotInterval);
        _handOff = new StreamHandOff(id, settings.StreamClaimTimeout, Context.System.Scheduler,
            settings.Materializer ?? (() => Context.Materializer()));

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is ModelHealthSnapshot snapshot) _health = ModelHealth.FromSnapshot(snapshot);
        });
        Recover<IModelEvent>(e => _health = _health.Apply(e));
        Recover<RecoveryCompleted>(_ => { });
        // Anything else in a model's journal was not written by a model actor: fail the recovery, do not guess.
        Recover<object>(e => throw new InvalidOperationException($"Model {_id}: unexpected {e.GetType().Name} in the journal"));

        Command<CallModel>(cmd => Admit(cmd.AttemptId, probe => StartCall(cmd, probe)));
        Command<StartStream>(cmd => Admit(cmd.AttemptId, probe => StartStreaming(cmd, probe)));
        Command<CancelCall>(cmd =>
        {
            if (!_inFlight.TryGetValue(cmd.AttemptId, out var call)) return;
            call.Cancellation.Cancel();
            call.Tail?.Abandon(); // a stream handed out but not yet read ends here
        });
        Command<GetModelHealth>(_ => Sender.Tell(View()));
        Command<GetModelHistory>(_ => Sender.Tell(new ModelHistory(_id, _history.Points(Now, _health.Circuit))));
        Command<GetCallStatus>(q =>
        {
            if (_inFlight.ContainsKey(q.AttemptId)) Sender.Tell(new CallInProgress(q.AttemptId, _id));
        });
        Command<RecordMeasurement>(m =>
        {
            if (m.Ok) Succeeded(CallSpeed.Of(m.LatencyMs, m.FirstTokenMs, m.CompletionTokens), wasProbe: false);
            else if (m.Error is not null) Failed(m.Error, wasProbe: false);
            Sender.Tell(View());
        });

        Command<ModelCall.Succeeded>(OnCallSucceeded);
        Command<ModelCall.Failed>(OnCallFailed);
        Command<ModelCall.Refused>(OnCallRefused);
        Command<ModelCall.Cancelled>(msg => Finish(msg.AttemptId, call => _health = _health.OnAbandoned(call.IsProbe)));
        Command<ModelCall.HeadReady>(OnStreamHeadReady);
        Command<StreamEnded>(OnStreamEnded);

        Command<IdleCheck>(_ => PassivateIfIdle());
        Command<StopModel>(_ => StopAfterSnapshot());
        Command<PublishPending>(_ => _publisher?.PublishPending());
        Command<SaveSnapshotSuccess>(_ =>
        {
            _snapshots.Settled();
            StopIfDone();
        });
        Command<SaveSnapshotFailure>(f =>
        {
            _log.Warning(f.Cause, "Model {0}: snapshot failed", LogText.Safe(_id));
            _snapshots.Settled();
            if (_stopping && _inFlight.Count == 0) Context.Stop(Self); // the counters since the last snapshot are lost
        });
    }

    public override string PersistenceId { get; }

    public static Props Props(ModelId id, ModelActorSettings settings) => Akka.Actor.Props.Create(() => new ModelActor(id, settings));

    private DateTimeOffset Now => _settings.Time.GetUtcNow();

    private ModelHealthView View() => _health.View(_id, Now, _inFlight.Count, NodeAddress);

    /// <summary>Where this actor lives (the node's cluster address), for operators and tests.</summary>
    private string NodeAddress => ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();

    protected override void PreStart()
    {
        // A periodic check rather than a receive timeout, which would re-arm a timer on every message of every call.
        Timers.StartPeriodicTimer(IdleCheck.Instance, IdleCheck.Instance, _settings.IdleTimeout / 4);
        if (_settings.PublishHealth)
            _publisher = new HealthPublisher(Context.System, _settings.PublishEvery, Timers, PublishPending.Instance, View);
        base.PreStart();
    }

    private void Admit(string attemptId, Action<bool> start)
    {
        var (state, admission) = _health.Admit(Now);
        _health = state;
        switch (admission)
        {
            case Admission.Rejected r:
                Sender.Tell(new AttemptRejected(attemptId, _id, r.Reason, r.RetryAt));
                break;
            case Admission.Admitted a:
                if (a.IsProbe)
                {
                    _log.Info("Model {0}: circuit half-open, sending one probe", LogText.Safe(_id));
                    _settings.Metrics.RecordCircuit(_id, CircuitState.HalfOpen);
                }
                start(a.IsProbe);
                break;
        }
    }

    private void StartCall(CallModel cmd, bool probe)
    {
        var call = Track(cmd.AttemptId, probe, CallTrace.Start(_id, cmd.TraceParent, cmd.Request, stream: false, probe, _settings.TraceContent));
        ModelCall.Run(() => ModelCall.CompleteAsync(_settings.Client, _id, cmd, call, _settings.TraceContent), call, cmd.AttemptId, _id, Self);
    }

    private void StartStreaming(StartStream cmd, bool probe)
    {
        var call = Track(cmd.AttemptId, probe, CallTrace.Start(_id, cmd.TraceParent, cmd.Request, stream: true, probe, _settings.TraceContent));
        ModelCall.Run(() => ModelCall.OpenStreamAsync(_settings.Client, _id, cmd, call), call, cmd.AttemptId, _id, Self);
    }

    private InFlightCall Track(string attemptId, bool probe, System.Diagnostics.Activity? span)
    {
        var call = new InFlightCall(Sender, probe, span);
        _inFlight[attemptId] = call;
        return call;
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is IRouterMessage) _lastMessage = Stopwatch.GetTimestamp(); // a request for this model, not a timer or an outcome
        return base.AroundReceive(receive, message);
    }

    private void PassivateIfIdle()
    {
        if (_passivating || _inFlight.Count > 0 || Stopwatch.GetElapsedTime(_lastMessage) < _settings.IdleTimeout) return;
        _passivating = true;
        Context.Parent.Tell(new Passivate(StopModel.Instance));
    }

    /// <summary>
    /// Passivation and shard hand-off end here. Calls in flight finish first (a node leaving gracefully lets its
    /// requests complete; the shard waits for its entities up to its hand-off timeout), then the counters are saved so
    /// they survive the move, then the actor stops.
    /// </summary>
    private void StopAfterSnapshot()
    {
        _stopping = true;
        // Their requesters' checks through the region would wait out the hand-off: tell them where the calls run.
        foreach (var (attemptId, call) in _inFlight)
            call.ReplyTo.Tell(new CallInProgress(attemptId, _id));
        StopIfDone();
    }

    private void StopIfDone()
    {
        if (!_stopping || _inFlight.Count > 0 || _snapshots.Saving) return;
        if (!_snapshots.HasUnsaved)
            Context.Stop(Self);
        else
            RequestSnapshot(); // its confirmation comes back here
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Model {0}: could not persist {1}; the actor stops and its state comes back from the journal", LogText.Safe(_id), @event.GetType().Name);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void PostStop()
    {
        foreach (var (attemptId, call) in _inFlight)
        {
            call.Cancellation.Cancel();
            RouterTracing.End(call.Span, System.Diagnostics.ActivityStatusCode.Error, "model actor stopped");
            call.ReplyTo.Tell(new AttemptFailed(attemptId, _id, ErrorClassifier.Of(UpstreamErrorKind.Network, "model actor stopped", model: _id.Value)));
        }
        _inFlight.Clear();
        base.PostStop();
    }

    private sealed record IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }

    private sealed record PublishPending
    {
        public static readonly PublishPending Instance = new();
    }

    /// <summary>The stop message of passivation and shard hand-off.</summary>
    public sealed record StopModel
    {
        public static readonly StopModel Instance = new();
    }

    private sealed record StreamEnded(string AttemptId, UpstreamTail.End End);
}

/// <summary>Registry key of the model shard region (or its proxy).</summary>
public sealed class ModelShardRegion;

public static class ModelActorHosting
{
    public const string TypeName = "model";

    /// <summary>Hosts model entities on <paramref name="role"/> nodes.</summary>
    public static AkkaConfigurationBuilder AddModelShards(this AkkaConfigurationBuilder builder, ModelActorSettings settings, string role) =>
        builder.WithShardRegion<ModelShardRegion>(TypeName,
            entityId => ModelActor.Props(new ModelId(entityId), settings),
            new ModelMessageExtractor(),
            ShardDefaults.For(role, handOffStopMessage: ModelActor.StopModel.Instance));

    /// <summary>A proxy to the model shards, for nodes that do not host them.</summary>
    public static AkkaConfigurationBuilder AddModelShardsProxy(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithShardRegionProxy<ModelShardRegion>(TypeName, role, new ModelMessageExtractor());
}
