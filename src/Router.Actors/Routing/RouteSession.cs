using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>What a <see cref="RouteSession"/> needs from the coordinator that hosts it.</summary>
internal interface IRouteHost
{
    ITimerScheduler Timers { get; }
    ILoggingAdapter Log { get; }

    /// <summary>Answers for <paramref name="attemptId"/> now belong to <paramref name="session"/>.</summary>
    void AttemptStarted(string attemptId, RouteSession session);

    /// <summary>Answers for <paramref name="attemptId"/> are late from now on.</summary>
    void AttemptEnded(string attemptId);

    void Ended(RouteSession session);
}

/// <summary>
/// One request's routing, hosted by a <see cref="CoordinatorActor"/> and run on its thread: tries the candidates in
/// order under a per-attempt and an overall deadline and an attempt cap; falls back on retryable failures, stops on
/// the others; skips resting models, and when every candidate is resting waits for the earliest one that fits the
/// deadline. Answers <c>reply</c> with a <see cref="RouteResult"/>.
/// </summary>
internal sealed class RouteSession
{
    private readonly RoutingContext _context;
    private readonly IRouteHost _host;
    private readonly RouteRequest _route;
    private readonly RouteReply _reply;
    private readonly List<AttemptRecord> _attempts = [];
    private readonly Queue<ModelId> _retries = new();
    private readonly List<(ModelId Model, DateTimeOffset RetryAt)> _resting = [];
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly DateTimeOffset _deadline;
    private readonly IEnumerator<ModelId> _plan;
    private Current? _current;
    private UpstreamError? _lastError;
    private int _calls;

    // The key of the wait for a resting model on the shared coordinator's scheduler; made by the first wait.
    private object? _wakeTimer;

    public RouteSession(string id, RouteRequest route, RouteReply reply, RoutingContext context, IRouteHost host)
    {
        Id = id;
        _route = route;
        _reply = reply;
        _context = context;
        _host = host;
        _deadline = Now + context.Settings.RequestTimeout;
        _plan = CandidatePlanner.Plan(route, context.Settings, context.Catalog.Current).GetEnumerator();
    }

    public string Id { get; }

    private DateTimeOffset Now => _context.Time.GetUtcNow();

    public void Start() => TryNext();

    /// <summary>The coordinator's sweep: end the route past its deadline, or move on from an attempt past its timeout.</summary>
    public void CheckTimeouts()
    {
        if (Stopwatch.GetElapsedTime(_started) >= _context.Settings.RequestTimeout)
            OnDeadline();
        else if (_current is { } current && Stopwatch.GetElapsedTime(current.Started) >= _context.Settings.AttemptTimeout)
            OnTimedOut(current.Model, current.RequestId);
    }

    public void OnCompleted(Completed m)
    {
        Record(m.ModelId, "ok", null, 200);
        Finish(new RouteCompleted(m.Completion, m.ModelId, _attempts));
    }

    public void OnStreamStarted(StreamStarted m)
    {
        Record(m.ModelId, "ok", null, 200);
        Finish(new RouteStreaming(m.Stream, m.ModelId, _attempts));
    }

    public void OnFailed(AttemptFailed m) => OnFailure(m.ModelId, m.Error);

    private void OnTimedOut(ModelId model, string attemptId)
    {
        _context.ModelRegion.Tell(new CancelCall(model, attemptId));
        OnFailure(model, ErrorClassifier.Of(UpstreamErrorKind.Timeout,
            $"no answer within {_context.Settings.AttemptTimeout.TotalSeconds:0.#} s", 408, model.Value));
    }

    public void OnRejected(AttemptRejected m)
    {
        EndAttempt();
        _context.Board.Block(m.ModelId, m.RetryAt, rateLimited: m.Reason == "rate limited");
        _resting.Add((m.ModelId, m.RetryAt));
        Record(m.ModelId, "rejected", $"{m.Reason} until {m.RetryAt:O}", null);
        _current = null;
        var kind = m.Reason == "rate limited" ? UpstreamErrorKind.RateLimited : UpstreamErrorKind.ModelUnavailable;
        _lastError ??= ErrorClassifier.Of(kind, $"{m.ModelId}: {m.Reason} until {m.RetryAt:O}", kind == UpstreamErrorKind.RateLimited ? 429 : 503, m.ModelId.Value)
            with { RetryAfter = m.RetryAt - Now };
        RouterMetrics.Fallbacks.WithLabels("resting").Inc();
        _host.Log.Info("Request {0}: model {1} is resting ({2}) until {3:O}; trying the next candidate", Id, m.ModelId, m.Reason, m.RetryAt);
        TryNext();
    }

    /// <summary>The wait for a resting model is over: try the resting models again, earliest first.</summary>
    public void OnWakeUp()
    {
        foreach (var (model, _) in _resting.OrderBy(r => r.RetryAt))
            _retries.Enqueue(model);
        _resting.Clear();
        TryNext();
    }

    private void OnDeadline()
    {
        CancelCurrent();
        Finish(new RouteFailed(ErrorClassifier.Of(UpstreamErrorKind.Timeout,
            $"Routing gave up after {_context.Settings.RequestTimeout.TotalSeconds:0.#} s" + (_lastError is null ? "" : $"; last error: {_lastError.Message}"), 504), _attempts));
    }

    /// <summary>The caller went away: cancel the call in flight and end without an answer.</summary>
    public void OnCancelled()
    {
        CancelCurrent();
        _reply.Abandon();
        End();
    }

    /// <summary>The coordinator is stopping: fail the route rather than leave its caller waiting.</summary>
    public void OnHostStopped()
    {
        CancelCurrent();
        _reply.Answer(new RouteFailed(ErrorClassifier.Of(UpstreamErrorKind.Network, "Router coordinator stopped", 503), _attempts));
    }

    /// <summary>A bug in routing fails this request only, not the others the coordinator hosts.</summary>
    public void OnCrash(Exception e)
    {
        _host.Log.Error(e, "Request {0}: routing failed unexpectedly", Id);
        CancelCurrent();
        Finish(new RouteFailed(ErrorClassifier.Of(UpstreamErrorKind.Network, "Router internal error: " + e.Message, 500), _attempts));
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
        var attemptId = $"{Id}-{_attempts.Count}";
        _current = new Current(model, attemptId, Stopwatch.GetTimestamp());
        _host.AttemptStarted(attemptId, this);
        _context.ModelRegion.Tell(_route.Stream
            ? new StartStream(model, attemptId, _route.Request)
            : new Complete(model, attemptId, _route.Request));
    }

    private void OnFailure(ModelId model, UpstreamError error)
    {
        EndAttempt();
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
        _host.Log.Info("Request {0}: model {1} failed ({2}: {3}); falling back to the next candidate", Id, model, error.Kind, error.Message);
        TryNext();
    }

    /// <summary>Every candidate is used up or resting: wait for the earliest resting one if it fits the deadline.</summary>
    private bool WaitForRestingModel()
    {
        if (_resting.Count == 0 || _route.Strict) return false;
        var earliest = _resting.Min(r => r.RetryAt);
        var wait = earliest - Now;
        if (earliest >= _deadline) return false;
        _host.Log.Info("Request {0}: every candidate is resting; waiting {1:0} ms for the first to come back", Id, Math.Max(0, wait.TotalMilliseconds));
        _host.Timers.StartSingleTimer(_wakeTimer ??= (Id, "wake"), new WakeUp(Id), wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        return true;
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

    private void EndAttempt()
    {
        if (_current is { } current)
            _host.AttemptEnded(current.RequestId);
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
        RouterMetrics.RecordRoute((result as RouteFailed)?.Error.Kind);
        if (result is RouteFailed failed)
            _host.Log.Warning("Request {0} failed after {1} call(s) in {2:0} ms: {3}", Id, _calls, Stopwatch.GetElapsedTime(_started).TotalMilliseconds, failed.Error.Message);
        _reply.Answer(result);
        End();
    }

    private void End()
    {
        EndAttempt();
        if (_wakeTimer is not null) _host.Timers.Cancel(_wakeTimer);
        _host.Ended(this);
    }

    private sealed record Current(ModelId Model, string RequestId, long Started);
}

/// <summary>The timer message of a <see cref="RouteSession"/> waiting for a resting model, delivered to its coordinator.</summary>
internal sealed record WakeUp(string RouteId);
