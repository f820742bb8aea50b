using System.Diagnostics;
using Router.Actors.Observability;
using Router.Contracts.Messages;
using Tags = Router.Actors.Observability.RouterTracing.Tags;

namespace Router.Actors.Routing;

/// <summary>
/// A route's spans: the route (a child of the request that sent it, wherever that was), and one child per attempt:
/// a call that a model actor serves as a child of its own span, wherever that actor lives; a skipped or refused
/// candidate as an instant span with its reason.
/// </summary>
internal sealed class RouteTrace
{
    private readonly Activity? _route;
    private readonly string? _parent;
    private Activity? _attempt;

    public RouteTrace(string routeId, RouteRequest route)
    {
        _parent = route.TraceParent;
        _route = RouterTracing.StartSpan("route", ActivityKind.Internal, route.TraceParent);
        if (_route is not { IsAllDataRequested: true }) return; // not sampled: the span only carries the context on
        _route.SetTag(Tags.RouteId, routeId);
        _route.SetTag(Tags.RequestModel, route.Request.Model);
        _route.SetTag(Tags.Sort, route.Request.RouterOptions?.Sort?.ToString().ToLowerInvariant() ?? "default");
        _route.SetTag(Tags.Stream, route.Stream);
    }

    /// <summary>
    /// An attempt goes to <paramref name="candidate"/>'s model actor; returns the context its call continues (the
    /// request's own when the route is not traced, so that its call is not traced either).
    /// </summary>
    public string? AttemptStarted(Candidate candidate)
    {
        _attempt = Attempt(candidate);
        return _attempt?.Id ?? _parent;
    }

    /// <summary>An attempt's outcome: ends the attempt in flight, or records a candidate passed over as an instant span.</summary>
    public void Attempted(Candidate candidate, AttemptRecord record)
    {
        if (_route is not { IsAllDataRequested: true })
        {
            RouterTracing.End(_attempt);
            _attempt = null;
            return;
        }
        var span = _attempt is { } current && (string?)current.GetTagItem(Tags.RequestModel) == candidate.Model.Value ? current : Attempt(candidate);
        if (span == _attempt) _attempt = null;
        if (span is null) return;
        span.SetTag(Tags.Outcome, record.Outcome.ToString().ToLowerInvariant());
        if (record.StatusCode is { } status) span.SetTag(Tags.HttpStatus, status);
        if (record.Reason is { } reason) span.SetTag(Tags.Reason, reason);
        RouterTracing.End(span, record.Outcome == AttemptOutcome.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Unset, record.Reason);
    }

    public void Finished(RouteResult result)
    {
        if (_route is not { IsAllDataRequested: true })
        {
            Ended();
            return;
        }
        _route.SetTag(Tags.Attempts, result.Attempts.Count);
        switch (result)
        {
            case RouteCompleted completed:
                _route.SetTag(Tags.ResponseModel, completed.Model.Value);
                break;
            case RouteStreaming streaming:
                _route.SetTag(Tags.ResponseModel, streaming.Model.Value);
                break;
            case RouteFailed failed:
                _route.SetTag(Tags.ErrorType, failed.Error.Kind.ToString());
                if (failed.Error.StatusCode is { } status) _route.SetTag(Tags.HttpStatus, status);
                break;
        }
        Ended(result is RouteFailed failure ? ActivityStatusCode.Error : ActivityStatusCode.Unset, (result as RouteFailed)?.Error.Message);
    }

    /// <summary>The route ended without an answer (its caller left, its coordinator stopped).</summary>
    public void Ended(ActivityStatusCode status = ActivityStatusCode.Unset, string? description = null)
    {
        RouterTracing.End(_attempt, ActivityStatusCode.Unset);
        _attempt = null;
        RouterTracing.End(_route, status, description);
    }

    private Activity? Attempt(Candidate candidate)
    {
        var span = RouterTracing.StartChild("attempt " + candidate.Model.Value, ActivityKind.Internal, _route);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag(Tags.RequestModel, candidate.Model.Value);
        if (candidate.Rank > 0) span.SetTag(Tags.Rank, candidate.Rank);
        if (candidate.Placed.Length > 0) span.SetTag(Tags.Placed, candidate.Placed);
        return span;
    }
}
