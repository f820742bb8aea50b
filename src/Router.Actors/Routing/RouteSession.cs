using Akka.Actor;
using Akka.Event;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>
/// One request's routing, hosted by a <see cref="CoordinatorActor"/> and run on its thread: tries the candidates in
/// order under a per-attempt and an overall deadline and an attempt cap; falls back on retryable failures, stops on
/// the others; skips resting models, and when every candidate is resting waits for the earliest one that fits the
/// deadline. Answers <c>reply</c> with a <see cref="RouteResult"/>.
/// </summary>
internal sealed partial class RouteSession
{
    private readonly RoutingContext _context;
    private readonly IRouteHost _host;
    private readonly RouteRequest _route;
    private readonly RouteReply _reply;
    private readonly List<AttemptRecord> _attempts = [];
    private readonly Queue<Candidate> _retries = new();
    private readonly List<(Candidate Candidate, DateTimeOffset RetryAt)> _resting = [];
    private readonly long _started;
    private readonly DateTimeOffset _deadline;
    private readonly CatalogView _catalog;
    private readonly RouteConstraints _constraints;
    private readonly Dictionary<string, int> _refused = new(StringComparer.Ordinal); // constraint -> models it skipped
    private readonly IEnumerator<Candidate> _plan;
    private readonly RouteTrace _trace;
    private RouteAttempt? _current;
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
        _started = context.Time.GetTimestamp();
        _deadline = Now + context.Settings.RequestTimeout;
        _catalog = context.Catalog.Current;
        _constraints = RouteConstraints.For(route.Request);
        _plan = CandidatePlanner.Plan(route, context.Settings, _catalog, context.Board, _constraints, context.Time).GetEnumerator();
        _trace = new RouteTrace(id, route);
    }

    public string Id { get; }

    private DateTimeOffset Now => _context.Time.GetUtcNow();

    public void Start() => TryNext();

    private void TryNext()
    {
        while (NextCandidate() is { } candidate)
        {
            var model = candidate.Model;
            // An id outside the catalog gets no actor, journal row or metric series: whatever a client names, the
            // state Router keeps stays bounded by the catalog.
            if (!_catalog.ById.TryGetValue(model.Value, out var info))
            {
                Record(candidate, AttemptOutcome.Skipped, RouteErrors.NotInCatalog, null);
                continue;
            }
            if (_constraints.Refusal(info) is { } refusal)
            {
                Refuse(candidate, refusal);
                continue;
            }
            if (_context.Board.BlockedUntil(model, Now) is { } until)
            {
                _resting.Add((candidate, until));
                Record(candidate, AttemptOutcome.Skipped, $"resting until {until:O}", null);
                continue;
            }
            if (_calls >= _context.Settings.MaxAttempts) break;
            Send(candidate);
            return;
        }
        if (_calls < _context.Settings.MaxAttempts && WaitForRestingModel()) return;
        GiveUp();
    }

    /// <summary>
    /// A model the request's constraints rule out: counted, and listed in the attempts for the first few only (a
    /// request for free models may pass over most of the catalog).
    /// </summary>
    private void Refuse(Candidate candidate, string reason)
    {
        var total = _refused.Values.Sum();
        _refused[reason] = _refused.GetValueOrDefault(reason) + 1;
        if (total < MaxListedRefusals) Record(candidate, AttemptOutcome.Skipped, reason, null);
    }

    private const int MaxListedRefusals = 10;

    private Candidate? NextCandidate() =>
        _retries.TryDequeue(out var retry) ? retry : _plan.MoveNext() ? _plan.Current : null;

    private void Send(Candidate candidate)
    {
        var model = candidate.Model;
        var attemptId = $"{Id}-{_attempts.Count}";
        _current = new RouteAttempt(candidate, attemptId, _context.Time.GetTimestamp());
        _host.AttemptStarted(attemptId, this);
        var traceParent = _trace.AttemptStarted(candidate);
        _context.ModelRegion.Tell(_route.Stream
            ? new StartStream(model, attemptId, _route.Request, traceParent)
            : new CallModel(model, attemptId, _route.Request, traceParent));
    }

    private void OnFailure(ModelId model, UpstreamError error)
    {
        EndAttempt();
        _calls++;
        _lastError = error;
        Record(Placement(model), AttemptOutcome.Failed, error.Message, error.StatusCode);
        _current = null;
        if (error.RateLimited)
            _context.Board.Block(model, Now + (error.RetryAfter ?? TimeSpan.FromSeconds(5)), rateLimited: true);
        if (!error.ShouldFallback || _route.Strict)
        {
            Finish(new RouteFailed(error, _attempts));
            return;
        }
        _context.Metrics.FellBack(RouterMetrics.Label(error.Kind), Now);
        _host.Log.Info("Request {0}: model {1} failed ({2}: {3}); falling back to the next candidate", LogText.Safe(Id), LogText.Safe(model), error.Kind, LogText.Safe(error.Message));
        TryNext();
    }

    /// <summary>Every candidate is used up or resting: wait for the earliest resting one if it fits the deadline.</summary>
    private bool WaitForRestingModel()
    {
        if (_resting.Count == 0 || _route.Strict) return false;
        var earliest = _resting.Min(r => r.RetryAt);
        var wait = earliest - Now;
        if (earliest >= _deadline) return false;
        _host.Log.Info("Request {0}: every candidate is resting; waiting {1:0} ms for the first to come back", LogText.Safe(Id), Math.Max(0, wait.TotalMilliseconds));
        _host.Timers.StartSingleTimer(_wakeTimer ??= (Id, "wake"), new WakeUp(Id), wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        return true;
    }

    private void GiveUp()
    {
        var error = _lastError ?? (_resting.Count > 0
            ? RouteErrors.EveryCandidateResting(_resting.Any(r => _context.Board.IsRateLimited(r.Candidate.Model)), _resting.Min(r => r.RetryAt) - Now)
            : RouteErrors.NothingTried(_attempts, _refused));
        Finish(new RouteFailed(error, _attempts));
    }

    private void EndAttempt()
    {
        if (_current is { } current)
            _host.AttemptEnded(current.AttemptId);
    }

    private void CancelCurrent()
    {
        if (_current is { } current)
            current.Route(_context.ModelRegion).Tell(new CancelCall(current.Model, current.AttemptId));
    }

    /// <summary>The candidate an answer from <paramref name="model"/> is about: the attempt in flight.</summary>
    private Candidate Placement(ModelId model) => _current is { } c && c.Model == model ? c.Candidate : new Candidate(model, 0, "");

    private void Record(Candidate candidate, AttemptOutcome outcome, string? reason, int? status)
    {
        var elapsed = _current is { } c && c.Model == candidate.Model ? _context.Time.GetElapsedTime(c.Started) : TimeSpan.Zero;
        var record = new AttemptRecord(candidate.Model, outcome, reason, status, Math.Round(elapsed.TotalMilliseconds, 2),
            candidate.Rank > 0 ? candidate.Rank : null, candidate.Placed.Length > 0 ? candidate.Placed : null);
        _attempts.Add(record);
        _trace.Attempted(candidate, record);
    }

    private void Finish(RouteResult result)
    {
        _context.Metrics.RecordRoute((result as RouteFailed)?.Error.Kind);
        if (result is RouteFailed failed)
            _host.Log.Warning("Request {0} failed after {1} call(s) in {2:0} ms: {3}", LogText.Safe(Id), _calls, _context.Time.GetElapsedTime(_started).TotalMilliseconds, LogText.Safe(failed.Error.Message));
        _trace.Finished(result);
        _reply.Answer(result);
        End();
    }

    private void End()
    {
        EndAttempt();
        if (_wakeTimer is not null) _host.Timers.Cancel(_wakeTimer);
        _host.Ended(this);
    }
}
