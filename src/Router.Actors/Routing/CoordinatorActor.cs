using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>What every coordinator on a node shares.</summary>
public sealed record RoutingContext(IActorRef ModelRegion, CatalogReplica Catalog, ModelHealthBoard Board, RoutingSettings Settings, TimeProvider Time);

/// <summary>
/// Routes one request (one actor per request, on the receiving node): tries the candidates in order under a
/// per-attempt and an overall deadline and an attempt cap; falls back on retryable failures, stops on the others;
/// skips resting models, and when every candidate is resting waits for the earliest one that fits the deadline.
/// Answers the sender of the <see cref="RouteRequest"/> with a <see cref="RouteResult"/>, then stops.
/// </summary>
public sealed class CoordinatorActor : UntypedActor, IWithTimers
{
    private const string AttemptTimer = "attempt";
    private const string DeadlineTimer = "deadline";
    private const string WakeTimer = "wake";

    private readonly RoutingContext _context;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<AttemptRecord> _attempts = [];
    private readonly Queue<ModelId> _retries = new();
    private IEnumerator<ModelId> _plan = Enumerable.Empty<ModelId>().GetEnumerator();
    private readonly List<(ModelId Model, DateTimeOffset RetryAt)> _resting = [];
    private readonly long _started = Stopwatch.GetTimestamp();
    private RouteRequest _route = null!;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private Current? _current;
    private UpstreamError? _lastError;
    private int _calls;
    private DateTimeOffset _deadline;

    public CoordinatorActor(RoutingContext context) => _context = context;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>One coordinator per request: created by a plain constructor call, not by reflection over an expression.</summary>
    public static Props Props(RoutingContext context) => Akka.Actor.Props.CreateBy(new Producer(context));

    private sealed class Producer(RoutingContext context) : IIndirectActorProducer
    {
        public Type ActorType => typeof(CoordinatorActor);
        public ActorBase Produce() => new CoordinatorActor(context);
        public void Release(ActorBase actor) { }
    }

    private DateTimeOffset Now => _context.Time.GetUtcNow();
    private string RequestId => Self.Path.Name;

    /// <summary>
    /// One actor per request, so it is an <see cref="UntypedActor"/> with a switch: no typed handlers to build per
    /// instance. Answers of abandoned attempts (another request id) are ignored; stream refs time out by themselves.
    /// </summary>
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RouteRequest route when _replyTo.IsNobody():
                Start(route);
                break;
            case Completed m when m.RequestId == _current?.RequestId:
                Record(m.ModelId, "ok", null, 200);
                Finish(new RouteCompleted(m.Response, m.ModelId, _attempts));
                break;
            case StreamStarted m when m.RequestId == _current?.RequestId:
                Record(m.ModelId, "ok", null, 200);
                Finish(new RouteStreaming(m.Stream, m.ModelId, _attempts));
                break;
            case AttemptFailed m when m.RequestId == _current?.RequestId:
                OnFailure(m.ModelId, m.Error);
                break;
            case AttemptRejected m when m.RequestId == _current?.RequestId:
                OnRejected(m);
                break;
            case AttemptTimedOut m when m.RequestId == _current?.RequestId:
                _context.ModelRegion.Tell(new CancelCall(m.Model, m.RequestId));
                OnFailure(m.Model, ErrorClassifier.Of(UpstreamErrorKind.Timeout,
                    $"no answer within {_context.Settings.AttemptTimeout.TotalSeconds:0.#} s", 408, m.Model.Value));
                break;
            case WakeUp:
                Retry();
                break;
            case DeadlineReached:
                CancelCurrent();
                Finish(new RouteFailed(ErrorClassifier.Of(UpstreamErrorKind.Timeout,
                    $"Routing gave up after {_context.Settings.RequestTimeout.TotalSeconds:0.#} s" + (_lastError is null ? "" : $"; last error: {_lastError.Message}"), 504), _attempts));
                break;
            case CancelRoute:
                CancelCurrent();
                Context.Stop(Self);
                break;
            case Completed or StreamStarted or AttemptFailed or AttemptRejected or AttemptTimedOut:
                break; // late answers of abandoned attempts
            default:
                Unhandled(message);
                break;
        }
    }

    private void Start(RouteRequest route)
    {
        _route = route;
        _replyTo = Sender;
        _deadline = Now + _context.Settings.RequestTimeout;
        _plan = CandidatePlanner.Plan(route, _context.Settings, _context.Catalog.Current).GetEnumerator();
        Timers.StartSingleTimer(DeadlineTimer, DeadlineReached.Instance, _context.Settings.RequestTimeout);
        TryNext();
    }

    private void TryNext()
    {
        while (NextCandidate() is { } model)
        {
            if (_context.Board.BlockedUntil(model, Now) is { } until)
            {
                _resting.Add((model, until));
                Record(model, "skipped", $"resting until {until:O}", null);
                continue;
            }
            if (_calls >= _context.Settings.MaxAttempts) break;
            Send(model);
            return;
        }
        if (_calls < _context.Settings.MaxAttempts && WaitForRestingModel()) return;
        GiveUp();
    }

    private ModelId? NextCandidate() =>
        _retries.TryDequeue(out var retry) ? retry : _plan.MoveNext() ? _plan.Current : null;

    private void Send(ModelId model)
    {
        var requestId = $"{RequestId}-{_attempts.Count}";
        _current = new Current(model, requestId, Stopwatch.GetTimestamp());
        _context.ModelRegion.Tell(_route.Stream
            ? new StartStream(model, requestId, _route.Request)
            : new Complete(model, requestId, _route.Request));
        Timers.StartSingleTimer(AttemptTimer, new AttemptTimedOut(model, requestId), _context.Settings.AttemptTimeout);
    }

    private void OnFailure(ModelId model, UpstreamError error)
    {
        Timers.Cancel(AttemptTimer);
        _calls++;
        _lastError = error;
        Record(model, "failed", error.Message, error.StatusCode);
        _current = null;
        if (error.RateLimited)
            _context.Board.Block(model, Now + (error.RetryAfter ?? TimeSpan.FromSeconds(5)), rateLimited: true);
        if (!error.ShouldFallback || _route.Strict)
        {
            Finish(new RouteFailed(error, _attempts));
            return;
        }
        RouterMetrics.Fallbacks.WithLabels(RouterMetrics.Label(error.Kind)).Inc();
        _log.Info("Request {0}: model {1} failed ({2}: {3}); falling back to the next candidate", RequestId, model, error.Kind, error.Message);
        TryNext();
    }

    private void OnRejected(AttemptRejected m)
    {
        Timers.Cancel(AttemptTimer);
        _context.Board.Block(m.ModelId, m.RetryAt, rateLimited: m.Reason == "rate limited");
        _resting.Add((m.ModelId, m.RetryAt));
        Record(m.ModelId, "rejected", $"{m.Reason} until {m.RetryAt:O}", null);
        _current = null;
        var kind = m.Reason == "rate limited" ? UpstreamErrorKind.RateLimited : UpstreamErrorKind.ModelUnavailable;
        _lastError ??= ErrorClassifier.Of(kind, $"{m.ModelId}: {m.Reason} until {m.RetryAt:O}", kind == UpstreamErrorKind.RateLimited ? 429 : 503, m.ModelId.Value)
            with { RetryAfter = m.RetryAt - Now };
        RouterMetrics.Fallbacks.WithLabels("resting").Inc();
        _log.Info("Request {0}: model {1} is resting ({2}) until {3:O}; trying the next candidate", RequestId, m.ModelId, m.Reason, m.RetryAt);
        TryNext();
    }

    /// <summary>Every candidate is used up or resting: wait for the earliest resting one if it fits the deadline.</summary>
    private bool WaitForRestingModel()
    {
        if (_resting.Count == 0 || _route.Strict) return false;
        var earliest = _resting.Min(r => r.RetryAt);
        var wait = earliest - Now;
        if (earliest >= _deadline) return false;
        _log.Info("Request {0}: every candidate is resting; waiting {1:0} ms for the first to come back", RequestId, Math.Max(0, wait.TotalMilliseconds));
        Timers.StartSingleTimer(WakeTimer, WakeUp.Instance, wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        return true;
    }

    private void Retry()
    {
        foreach (var (model, _) in _resting.OrderBy(r => r.RetryAt))
            _retries.Enqueue(model);
        _resting.Clear();
        TryNext();
    }

    private void GiveUp()
    {
        var rateLimited = _resting.Any(r => _context.Board.IsRateLimited(r.Model));
        var error = _lastError ?? (_resting.Count > 0
            ? ErrorClassifier.Of(rateLimited ? UpstreamErrorKind.RateLimited : UpstreamErrorKind.ModelUnavailable,
                "Every candidate model is resting", rateLimited ? 429 : 503) with { RetryAfter = _resting.Min(r => r.RetryAt) - Now }
            : ErrorClassifier.Of(UpstreamErrorKind.ModelUnavailable,
                _attempts.Count == 0 ? "No model to try: the request names none and the catalog is empty" : "No model could serve the request", 503));
        Finish(new RouteFailed(error, _attempts));
    }

    private void CancelCurrent()
    {
        if (_current is { } current)
            _context.ModelRegion.Tell(new CancelCall(current.Model, current.RequestId));
    }

    private void Record(ModelId model, string outcome, string? reason, int? status)
    {
        var elapsed = _current is { } c && c.Model == model ? Stopwatch.GetElapsedTime(c.Started) : TimeSpan.Zero;
        _attempts.Add(new AttemptRecord(model, outcome, reason, status, Math.Round(elapsed.TotalMilliseconds, 2)));
    }

    private void Finish(RouteResult result)
    {
        Timers.CancelAll();
        RouterMetrics.Routes.WithLabels(result is RouteFailed f ? RouterMetrics.Label(f.Error.Kind) : "ok").Inc();
        if (result is RouteFailed failed)
            _log.Warning("Request {0} failed after {1} call(s) in {2:0} ms: {3}", RequestId, _calls, Stopwatch.GetElapsedTime(_started).TotalMilliseconds, failed.Error.Message);
        _replyTo.Tell(result);
        Context.Stop(Self);
    }

    private sealed record Current(ModelId Model, string RequestId, long Started);
    private sealed record AttemptTimedOut(ModelId Model, string RequestId);

    private sealed record WakeUp
    {
        public static readonly WakeUp Instance = new();
    }

    private sealed record DeadlineReached
    {
        public static readonly DeadlineReached Instance = new();
    }
}
