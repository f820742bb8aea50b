using Akka.Actor;
using Akka.Event;
using Router.Actors.Observability;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>What happens to a route as its attempt's answers, timeouts and its caller's cancellation arrive.</summary>
internal sealed partial class RouteSession
{
    /// <summary>
    /// The coordinator's sweep: end the route past its deadline, move on from an attempt past its timeout or silent
    /// past <see cref="RoutingSettings.UnreachableAfter"/>, and ask after an attempt silent for a while.
    /// </summary>
    public void CheckTimeouts()
    {
        var settings = _context.Settings;
        if (_context.Time.GetElapsedTime(_started) >= settings.RequestTimeout)
            OnDeadline();
        else if (_current is not { } current)
            return;
        else if (_context.Time.GetElapsedTime(current.Started) >= settings.AttemptTimeout)
            OnTimedOut(current.Model);
        else if (_context.Time.GetElapsedTime(current.LastHeard) >= settings.UnreachableAfter)
            OnUnreachable(current.Model, current.AttemptId);
        else if (_context.Time.GetElapsedTime(Math.Max(current.LastHeard, current.LastAsked)) >= settings.CallCheckAfter)
        {
            current.LastAsked = _context.Time.GetTimestamp();
            current.Route(_context.ModelRegion).Tell(new GetCallStatus(current.Model, current.AttemptId));
        }
    }

    /// <summary>
    /// The model actor reports the attempt running: it is reachable, and from now on it is asked directly. Through the
    /// shard region a check would wait out a hand-off (the region holds a moving shard's messages until it has moved),
    /// while the actor, finishing its calls before it stops, still answers.
    /// </summary>
    public void OnInProgress(IActorRef modelActor)
    {
        if (_current is not { } current) return;
        current.LastHeard = _context.Time.GetTimestamp();
        current.Actor = modelActor;
    }

    /// <summary>
    /// Nothing from the model actor for a while: its node is likely gone. Move on now rather than at the attempt's
    /// timeout (minutes), and skip the model, with every model known to live on the same node, on this node while
    /// the shards move. Not an outcome of the model's, so its health is left alone; the call, should it ever arrive,
    /// is cancelled.
    /// </summary>
    private void OnUnreachable(ModelId model, string attemptId)
    {
        _context.ModelRegion.Tell(new CancelCall(model, attemptId));
        _context.Board.BlockNodeOf(model, Now + _context.Settings.UnreachableRest);
        _context.Metrics.FellBack("unreachable", Now);
        OnFailure(model, RouteErrors.Unreachable(model, _context.Settings.UnreachableAfter));
    }

    public void OnCompleted(Completed m)
    {
        Record(Placement(m.ModelId), AttemptOutcome.Ok, null, 200);
        Finish(new RouteCompleted(m.Completion, m.ModelId, _attempts));
    }

    public void OnStreamStarted(StreamStarted m)
    {
        Record(Placement(m.ModelId), AttemptOutcome.Ok, null, 200);
        Finish(new RouteStreaming(m.Stream, m.ModelId, m.AttemptId, _attempts));
    }

    public void OnFailed(AttemptFailed m) => OnFailure(m.ModelId, m.Error);

    private void OnTimedOut(ModelId model)
    {
        CancelCurrent();
        OnFailure(model, RouteErrors.TimedOut(model, _context.Settings.AttemptTimeout));
    }

    public void OnRejected(AttemptRejected m)
    {
        EndAttempt();
        _context.Board.Block(m.ModelId, m.RetryAt, rateLimited: m.Reason == RestReason.RateLimited);
        var candidate = Placement(m.ModelId);
        _resting.Add((candidate, m.RetryAt));
        Record(candidate, AttemptOutcome.Rejected, $"{m.Reason.Text()} until {m.RetryAt:O}", null);
        _current = null;
        _lastError ??= RouteErrors.Resting(m.ModelId, m.Reason, m.RetryAt, Now);
        _context.Metrics.FellBack("resting", Now);
        _host.Log.Info("Request {0}: model {1} is resting ({2}) until {3:O}; trying the next candidate", LogText.Safe(Id), LogText.Safe(m.ModelId), m.Reason.Text(), m.RetryAt);
        TryNext();
    }

    /// <summary>The wait for a resting model is over: try the resting models again, earliest first.</summary>
    public void OnWakeUp()
    {
        foreach (var (candidate, _) in _resting.OrderBy(r => r.RetryAt))
            _retries.Enqueue(candidate);
        _resting.Clear();
        TryNext();
    }

    private void OnDeadline()
    {
        CancelCurrent();
        Finish(new RouteFailed(RouteErrors.Deadline(_context.Settings.RequestTimeout, _lastError), _attempts));
    }

    /// <summary>The caller went away: cancel the call in flight and end without an answer.</summary>
    public void OnCancelled()
    {
        CancelCurrent();
        _reply.Abandon();
        _trace.Ended(System.Diagnostics.ActivityStatusCode.Error, "the caller went away");
        End();
    }

    /// <summary>The coordinator is stopping: fail the route rather than leave its caller waiting.</summary>
    public void OnHostStopped()
    {
        CancelCurrent();
        var failed = new RouteFailed(RouteErrors.HostStopped, _attempts);
        _trace.Finished(failed);
        _reply.Answer(failed);
    }

    /// <summary>A bug in routing fails this request only, not the others the coordinator hosts.</summary>
    public void OnCrash(Exception e)
    {
        _host.Log.Error(e, "Request {0}: routing failed unexpectedly", LogText.Safe(Id));
        CancelCurrent();
        Finish(new RouteFailed(RouteErrors.Crash(e), _attempts));
    }
}
