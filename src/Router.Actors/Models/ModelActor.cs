using System.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Streams;
using Akka.Streams.Dsl;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Models;

/// <summary>What every model actor shares: the upstream client, the health policy, the clock.</summary>
public sealed record ModelActorSettings(OpenRouterClient Client, HealthPolicy Policy, TimeProvider Time)
{
    /// <summary>Runs the streams handed out (one for the whole node; creating one per stream costs an actor each time).</summary>
    public Func<IMaterializer>? Materializer { get; init; }

    /// <summary>Passivate after this long without a request and with no call in flight (checked every quarter of it).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Save a snapshot of the counters after this many outcomes, and no more often than <see cref="SnapshotInterval"/>.</summary>
    public int SnapshotEvery { get; init; } = 100;

    /// <summary>
    /// Circuit transitions are events, written at once; only the counters wait for a snapshot. A busy model would
    /// otherwise write one every few milliseconds (100 outcomes at 10,000 requests/s).
    /// </summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Publish the model's health to every node (needs a cluster); at most once per <see cref="PublishEvery"/> unless it changes state.</summary>
    public bool PublishHealth { get; init; }
    public TimeSpan PublishEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A stream handed to a requester on this node that is not read within this long is cancelled (as a stream ref would time out).</summary>
    public TimeSpan StreamClaimTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// One per model id, cluster-wide (sharded). Owns the model's circuit, cooldowns and statistics, admits or rejects
/// calls, and runs admitted calls as piped tasks (several in flight). Transitions are persisted; counters are
/// snapshotted. Streams are handed out once the first content chunk is in hand: the source itself to a requester on
/// this node, an <see cref="ISourceRef{TOut}"/> to one on another node.
/// </summary>
public sealed class ModelActor : ReceivePersistentActor, IWithTimers
{
    private readonly ModelId _id;
    private readonly ModelActorSettings _settings;
    private readonly RouterMetrics.ModelSeries _series;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);
    private ModelHealth _health = ModelHealth.Initial;
    private int _outcomesSinceSnapshot;
    private int _unconfirmedEvents; // written, not yet confirmed by the journal
    private bool _snapshotWanted;
    private bool _snapshotSaving; // asked for, not yet confirmed
    private bool _stopping;
    private IMaterializer? _materializer;
    private long _lastPublished;
    private long _lastSnapshot;
    private bool _publishPending;
    private long _lastMessage = Stopwatch.GetTimestamp();
    private bool _passivating;

    public ITimerScheduler Timers { get; set; } = null!;

    public ModelActor(ModelId id, ModelActorSettings settings)
    {
        _id = id;
        _settings = settings;
        _series = new RouterMetrics.ModelSeries(id);
        PersistenceId = "model-" + id.Value;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is ModelHealthSnapshot snapshot) _health = ModelHealth.FromSnapshot(snapshot);
        });
        Recover<IModelEvent>(e => _health = _health.Apply(e));
        Recover<RecoveryCompleted>(_ => { });
        // Anything else in a model's journal was not written by a model actor: fail the recovery, do not guess.
        Recover<object>(e => throw new InvalidOperationException($"Model {_id}: unexpected {e.GetType().Name} in the journal"));

        Command<Complete>(cmd => Admit(cmd.RequestId, probe => StartCompletion(cmd, probe)));
        Command<StartStream>(cmd => Admit(cmd.RequestId, probe => StartStreaming(cmd, probe)));
        Command<CancelCall>(cmd =>
        {
            if (!_inFlight.TryGetValue(cmd.RequestId, out var call)) return;
            call.Cancellation.Cancel();
            call.Tail?.Abandon(); // a stream handed out but not yet read ends here
        });
        Command<GetModelHealth>(_ => Sender.Tell(_health.View(_id, Now, _inFlight.Count, NodeAddress)));
        Command<GetCallStatus>(q =>
        {
            if (_inFlight.ContainsKey(q.RequestId)) Sender.Tell(new CallInProgress(q.RequestId, _id));
        });
        Command<RecordMeasurement>(m =>
        {
            if (m.Ok) Succeeded(m.LatencyMs, wasProbe: false);
            else if (m.Error is not null) Failed(m.Error, wasProbe: false);
            Sender.Tell(_health.View(_id, Now, _inFlight.Count, NodeAddress));
        });

        Command<CallSucceeded>(OnCallSucceeded);
        Command<CallFailed>(OnCallFailed);
        Command<CallRefused>(OnCallRefused);
        Command<CallCancelled>(msg => Finish(msg.RequestId, call => _health = _health.OnAbandoned(call.IsProbe)));
        Command<StreamHeadReady>(OnStreamHeadReady);
        Command<StreamEnded>(OnStreamEnded);

        Command<IdleCheck>(_ => PassivateIfIdle());
        Command<StopModel>(_ => StopAfterSnapshot());
        Command<PublishPending>(_ =>
        {
            _publishPending = false;
            PublishHealth(force: true);
        });
        Command<SaveSnapshotSuccess>(_ =>
        {
            _snapshotSaving = false;
            StopIfDone();
        });
        Command<SaveSnapshotFailure>(f =>
        {
            _log.Warning(f.Cause, "Model {0}: snapshot failed", LogText.Safe(_id));
            _snapshotSaving = false;
            if (_stopping && _inFlight.Count == 0) Context.Stop(Self); // the counters since the last snapshot are lost
        });
    }

    public override string PersistenceId { get; }

    public static Props Props(ModelId id, ModelActorSettings settings) => Akka.Actor.Props.Create(() => new ModelActor(id, settings));

    private DateTimeOffset Now => _settings.Time.GetUtcNow();

    /// <summary>Where this actor lives (the node's cluster address), for operators and tests.</summary>
    private string NodeAddress => ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();

    protected override void PreStart()
    {
        // A periodic check rather than a receive timeout, which would re-arm a timer on every message of every call.
        Timers.StartPeriodicTimer(IdleCheck.Instance, IdleCheck.Instance, _settings.IdleTimeout / 4);
        base.PreStart();
    }

    private void Admit(string requestId, Action<bool> start)
    {
        var (state, admission) = _health.Admit(Now);
        _health = state;
        switch (admission)
        {
            case Admission.Rejected r:
                Sender.Tell(new AttemptRejected(requestId, _id, r.Reason, r.RetryAt));
                break;
            case Admission.Admitted a:
                if (a.IsProbe)
                {
                    _log.Info("Model {0}: circuit half-open, sending one probe", LogText.Safe(_id));
                    RouterMetrics.RecordCircuit(_id, CircuitState.HalfOpen);
                }
                start(a.IsProbe);
                break;
        }
    }

    private void StartCompletion(Complete cmd, bool probe)
    {
        var call = Track(cmd.RequestId, probe);
        var client = _settings.Client;
        var id = _id;
        Run(cmd.RequestId, async () =>
        {
            var response = await client.CompleteAsync(cmd.Request with { Model = id.Value, Models = null }, call.Cancellation.Token);
            var latency = Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds;
            // The answer goes out at once; the actor counts the success when it hears of it (one hop less per request).
            call.ReplyTo.Tell(new Completed(cmd.RequestId, id, response, latency));
            return new CallSucceeded(cmd.RequestId, latency);
        });
    }

    private void StartStreaming(StartStream cmd, bool probe)
    {
        var call = Track(cmd.RequestId, probe);
        var client = _settings.Client;
        Run(cmd.RequestId, async () =>
        {
            var chunks = client.StreamAsync(cmd.Request with { Model = _id.Value, Models = null }, call.Cancellation.Token);
            var enumerator = chunks.GetAsyncEnumerator(call.Cancellation.Token);
            var head = new List<UpstreamChunk>();
            try
            {
                while (await enumerator.MoveNextAsync())
                {
                    head.Add(enumerator.Current);
                    if (enumerator.Current.HasContent)
                        return new StreamHeadReady(cmd.RequestId, head, enumerator, Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds);
                }
                // A stream with no text and no finish reason answered nothing, as a plain answer without choices does.
                throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.InvalidResponse,
                    "Invalid response from OpenRouter: the stream ended without content", null, _id.Value));
            }
            catch
            {
                await enumerator.DisposeAsync();
                throw;
            }
        });
    }

    private InFlight Track(string requestId, bool probe)
    {
        var call = new InFlight(Sender, new CancellationTokenSource(), probe, Stopwatch.GetTimestamp());
        _inFlight[requestId] = call;
        return call;
    }

    /// <summary>Runs upstream work off the actor and pipes its outcome back as a message.</summary>
    private void Run(string requestId, Func<Task<object>> work)
    {
        Task<object> task;
        try
        {
            task = work(); // runs until its first await here; the rest completes off the actor
        }
        catch (Exception e)
        {
            task = Task.FromException<object>(e);
        }
        task.ContinueWith(t => t.Status switch
            {
                TaskStatus.RanToCompletion => t.Result,
                TaskStatus.Canceled => new CallCancelled(requestId),
                // Only an upstream outcome (OpenRouterException) is the model's; anything else failed before or
                // around the call, in Router, and must not touch the model's health.
                _ => t.Exception!.GetBaseException() switch
                {
                    OperationCanceledException => new CallCancelled(requestId),
                    var e => ErrorClassifier.FromException(e, _id.Value) switch
                    {
                        (var error, FromUpstream: true) => new CallFailed(requestId, error),
                        (var error, _) => new CallRefused(requestId, error, error.Kind == UpstreamErrorKind.Internal ? e : null),
                    },
                },
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnCallSucceeded(CallSucceeded msg) => Finish(msg.RequestId, call =>
    {
        _series.RecordCall(stream: false, msg.LatencyMs);
        Succeeded(msg.LatencyMs, call.IsProbe);
    });

    private void OnCallFailed(CallFailed msg) => Finish(msg.RequestId, call =>
    {
        // The requester's view of the rest (its routing board, the client's Retry-After) is the capped one the model keeps.
        var error = msg.Error with { Model = _id.Value, RetryAfter = msg.Error.RetryAfter is { } wait ? _settings.Policy.Cooldown(wait) : null };
        RouterMetrics.RecordFailure(_id, error);
        Failed(error, call.IsProbe);
        call.ReplyTo.Tell(new AttemptFailed(msg.RequestId, _id, error));
    });

    /// <summary>The call never produced an upstream outcome: answer the requester, leave the model's health alone.</summary>
    private void OnCallRefused(CallRefused msg) => Finish(msg.RequestId, call =>
    {
        if (msg.Cause is not null)
            _log.Error(msg.Cause, "Model {0}: call {1} failed inside Router", LogText.Safe(_id), LogText.Safe(msg.RequestId));
        _health = _health.OnAbandoned(call.IsProbe);
        call.ReplyTo.Tell(new AttemptFailed(msg.RequestId, _id, msg.Error with { Model = _id.Value }));
    });

    private void OnStreamHeadReady(StreamHeadReady msg)
    {
        if (!_inFlight.TryGetValue(msg.RequestId, out var call))
        {
            _ = msg.Rest?.DisposeAsync();
            return;
        }
        call.FirstTokenMs = msg.FirstTokenMs;
        _series.RecordFirstToken(msg.FirstTokenMs);
        var self = Self;
        var requestId = msg.RequestId;
        // One stage, not a concatenation of head and rest: each stage costs time when the consumer materializes it.
        var tail = call.Tail = new UpstreamTail(msg.Head, msg.Rest, call.Cancellation,
            end => self.Tell(new StreamEnded(requestId, end)));
        var source = Source.From(() => tail.ReadAsync());
        // A stream nobody reads (the requester gave up as it was handed out, or a stream ref nobody subscribed to).
        Context.System.Scheduler.Advanced.ScheduleOnce(_settings.StreamClaimTimeout, () =>
        {
            if (!tail.Claimed) tail.Abandon();
        });

        if (call.ReplyTo is IActorRefScope { IsLocal: true })
        {
            // Same node: hand over the source itself; a stream ref would cost a handshake before the first token.
            call.ReplyTo.Tell(new StreamStarted(requestId, _id, new LocalSourceRef<StreamItem>(source), msg.FirstTokenMs));
            return;
        }
        source.RunWith(StreamRefs.SourceRef<StreamItem>(), _materializer ??= _settings.Materializer?.Invoke() ?? Context.Materializer())
            .PipeTo(call.ReplyTo,
                success: sourceRef => new StreamStarted(requestId, _id, sourceRef, msg.FirstTokenMs),
                failure: e => new AttemptFailed(requestId, _id, ErrorClassifier.Of(UpstreamErrorKind.StreamError, e.Message, model: _id.Value)));
    }

    private void OnStreamEnded(StreamEnded msg) => Finish(msg.RequestId, call =>
    {
        if (msg.End is { Error: { } error, FromUpstream: true })
        {
            RouterMetrics.RecordFailure(_id, error);
            Failed(error, call.IsProbe);
        }
        else if (msg.End is { Error: { } ours })
        {
            // Router broke the stream, not the model: its client got the error event, the model's health is untouched.
            _log.Error("Model {0}: stream {1} failed inside Router: {2}", LogText.Safe(_id), LogText.Safe(msg.RequestId), LogText.Safe(ours.Message));
            _health = _health.OnAbandoned(call.IsProbe);
        }
        else if (msg.End.Cancelled)
        {
            _health = _health.OnAbandoned(call.IsProbe);
        }
        else
        {
            var latency = call.FirstTokenMs ?? Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds;
            _series.RecordCall(stream: true, latency);
            Succeeded(latency, call.IsProbe);
        }
    });

    private void Finish(string requestId, Action<InFlight> handle)
    {
        if (!_inFlight.Remove(requestId, out var call)) return;
        handle(call);
        call.Cancellation.Dispose();
        StopIfDone();
    }

    private void Succeeded(double latencyMs, bool wasProbe)
    {
        var (state, events) = _health.OnSuccess(Now, latencyMs, wasProbe, _settings.Policy);
        Transition(state, events);
    }

    private void Failed(UpstreamError error, bool wasProbe)
    {
        var (state, events) = _health.OnFailure(Now, error, wasProbe, _settings.Policy);
        Transition(state, events);
    }

    /// <summary>
    /// The new state takes effect at once (so a half-open circuit admits exactly one probe); its events are written
    /// asynchronously so replies do not wait on the journal.
    /// </summary>
    private void Transition(ModelHealth state, IReadOnlyList<IModelEvent> events)
    {
        _health = state;
        foreach (var e in events)
            _log.Info("Model {0}: {1}", LogText.Safe(_id), LogText.Safe(e));
        if (events.Count > 0)
        {
            _unconfirmedEvents += events.Count;
            PersistAllAsync(events, _ =>
            {
                if (--_unconfirmedEvents == 0 && _snapshotWanted) TakeSnapshot();
            });
            RouterMetrics.RecordCircuit(_id, _health.Circuit);
        }
        if (++_outcomesSinceSnapshot >= _settings.SnapshotEvery
            && (_lastSnapshot == 0 || Stopwatch.GetElapsedTime(_lastSnapshot) >= _settings.SnapshotInterval))
            RequestSnapshot();
        PublishHealth(force: events.Count > 0);
    }

    /// <summary>Tells every node's health directory (and routing board) about this model; throttled unless forced.</summary>
    private void PublishHealth(bool force)
    {
        if (!_settings.PublishHealth) return;
        var now = Stopwatch.GetTimestamp();
        var since = Stopwatch.GetElapsedTime(_lastPublished, now);
        if (!force && _lastPublished != 0 && since < _settings.PublishEvery)
        {
            if (!_publishPending)
            {
                _publishPending = true;
                Timers.StartSingleTimer(PublishPending.Instance, PublishPending.Instance, _settings.PublishEvery - since);
            }
            return;
        }
        _lastPublished = now;
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(ModelHealthTopic.Name, _health.View(_id, Now, _inFlight.Count, NodeAddress)));
    }

    /// <summary>
    /// A snapshot is stamped with the last confirmed sequence number: one taken while events are still being written
    /// would hold their effect under an older number, and recovery would apply them a second time (a rate-limit
    /// streak counted twice). So it waits until every event written is confirmed.
    /// </summary>
    private void RequestSnapshot()
    {
        if (_unconfirmedEvents > 0)
            _snapshotWanted = true;
        else
            TakeSnapshot();
    }

    private void TakeSnapshot()
    {
        _snapshotWanted = false;
        _snapshotSaving = true;
        _outcomesSinceSnapshot = 0;
        _lastSnapshot = Stopwatch.GetTimestamp();
        SaveSnapshot(_health.ToSnapshot());
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
        StopIfDone();
    }

    private void StopIfDone()
    {
        if (!_stopping || _inFlight.Count > 0 || _snapshotSaving) return;
        if (_outcomesSinceSnapshot == 0 && !_snapshotWanted)
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
        foreach (var (requestId, call) in _inFlight)
        {
            call.Cancellation.Cancel();
            call.ReplyTo.Tell(new AttemptFailed(requestId, _id, ErrorClassifier.Of(UpstreamErrorKind.Network, "model actor stopped", model: _id.Value)));
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

    private sealed class InFlight(IActorRef replyTo, CancellationTokenSource cancellation, bool isProbe, long started)
    {
        public IActorRef ReplyTo { get; } = replyTo;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public bool IsProbe { get; } = isProbe;
        public long Started { get; } = started;
        public double? FirstTokenMs { get; set; }
        public UpstreamTail? Tail { get; set; }
    }

    /// <summary>A completion answered (the requester already has it).</summary>
    private sealed record CallSucceeded(string RequestId, double LatencyMs);
    private sealed record CallFailed(string RequestId, UpstreamError Error);
    private sealed record CallCancelled(string RequestId);
    private sealed record CallRefused(string RequestId, UpstreamError Error, Exception? Cause);
    private sealed record StreamHeadReady(string RequestId, List<UpstreamChunk> Head, IAsyncEnumerator<UpstreamChunk> Rest, double FirstTokenMs);
    private sealed record StreamEnded(string RequestId, UpstreamTail.End End);
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
            new ShardOptions
            {
                Role = role,
                RememberEntities = false,
                StateStoreMode = StateStoreMode.DData,
                // Model actors passivate themselves when idle and no call is in flight.
                PassivateIdleEntityAfter = TimeSpan.Zero,
                HandOffStopMessage = ModelActor.StopModel.Instance,
            });

    /// <summary>A proxy to the model shards, for nodes that do not host them.</summary>
    public static AkkaConfigurationBuilder AddModelShardsProxy(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithShardRegionProxy<ModelShardRegion>(TypeName, role, new ModelMessageExtractor());
}
