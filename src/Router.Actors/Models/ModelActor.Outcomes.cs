using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Router.Actors.Observability;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Models;

/// <summary>A model actor's call outcomes: what each does to the model's health, its journal and its snapshots.</summary>
public sealed partial class ModelActor
{
    private void OnCallSucceeded(ModelCall.Succeeded msg) => Finish(msg.AttemptId, call =>
    {
        _series.RecordCall(stream: false, msg.LatencyMs);
        Succeeded(CallSpeed.Of(msg.LatencyMs, null, msg.CompletionTokens), call.IsProbe);
    });

    private void OnCallFailed(ModelCall.Failed msg) => Finish(msg.AttemptId, call =>
    {
        // The requester's view of the rest (its routing board, the client's Retry-After) is the capped one the model keeps.
        var error = msg.Error with { Model = _id.Value, RetryAfter = msg.Error.RetryAfter is { } wait ? _settings.Policy.Cooldown(wait) : null };
        CallTrace.Failed(call.Span, error);
        _settings.Metrics.RecordFailure(_id, error);
        Failed(error, call.IsProbe);
        call.ReplyTo.Tell(new AttemptFailed(msg.AttemptId, _id, error));
    });

    /// <summary>The call never produced an upstream outcome: answer the requester, leave the model's health alone.</summary>
    private void OnCallRefused(ModelCall.Refused msg) => Finish(msg.AttemptId, call =>
    {
        if (msg.Cause is not null)
            _log.Error(msg.Cause, "Model {0}: call {1} failed inside Router", LogText.Safe(_id), LogText.Safe(msg.AttemptId));
        _health = _health.OnAbandoned(call.IsProbe);
        CallTrace.Failed(call.Span, msg.Error);
        call.ReplyTo.Tell(new AttemptFailed(msg.AttemptId, _id, msg.Error with { Model = _id.Value }));
    });

    private void OnStreamHeadReady(ModelCall.HeadReady msg)
    {
        if (!_inFlight.TryGetValue(msg.AttemptId, out var call))
        {
            _ = msg.Rest.DisposeAsync();
            return;
        }
        call.FirstTokenMs = msg.FirstTokenMs;
        CallTrace.FirstToken(call.Span, msg.FirstTokenMs);
        _series.RecordFirstToken(msg.FirstTokenMs);
        var self = Self;
        var attemptId = msg.AttemptId;
        call.Tail = _handOff.HandOut(attemptId, call.ReplyTo, msg, call.Cancellation, end => self.Tell(new StreamEnded(attemptId, end)));
    }

    private void OnStreamEnded(StreamEnded msg) => Finish(msg.AttemptId, call =>
    {
        if (msg.End.Error is { } ended) CallTrace.Failed(call.Span, ended);
        if (msg.End is { Error: { } error, FromUpstream: true })
        {
            _settings.Metrics.RecordFailure(_id, error);
            Failed(error, call.IsProbe);
        }
        else if (msg.End is { Error: { } ours })
        {
            // Router broke the stream, not the model: its client got the error event, the model's health is untouched.
            _log.Error("Model {0}: stream {1} failed inside Router: {2}", LogText.Safe(_id), LogText.Safe(msg.AttemptId), LogText.Safe(ours.Message));
            _health = _health.OnAbandoned(call.IsProbe);
        }
        else if (msg.End.Cancelled)
        {
            _health = _health.OnAbandoned(call.IsProbe);
        }
        else
        {
            call.Span?.SetTag(RouterTracing.Tags.OutputTokens, msg.End.CompletionTokens);
            var speed = CallSpeed.Of(Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds, call.FirstTokenMs, msg.End.CompletionTokens);
            _series.RecordCall(stream: true, speed.LatencyMs);
            Succeeded(speed, call.IsProbe);
        }
    });

    private void Finish(string attemptId, Action<InFlightCall> handle)
    {
        if (!_inFlight.Remove(attemptId, out var call)) return;
        handle(call);
        RouterTracing.End(call.Span);
        call.Cancellation.Dispose();
        StopIfDone();
    }

    private void Succeeded(CallSpeed speed, bool wasProbe)
    {
        var (state, events) = _health.OnSuccess(Now, speed, wasProbe, _settings.Policy);
        Transition(state, events);
        _history.Record(Now, ok: true, speed.LatencyMs, speed.FirstTokenMs, _health.Circuit);
    }

    private void Failed(UpstreamError error, bool wasProbe)
    {
        var (state, events) = _health.OnFailure(Now, error, wasProbe, _settings.Policy);
        Transition(state, events);
        if (error.ShouldFallback) _history.Record(Now, ok: false, null, null, _health.Circuit); // the model's failures, not the caller's
        else _history.Circuit(Now, _health.Circuit);
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
            _snapshots.EventsWritten(events.Count);
            PersistAllAsync(events, _ =>
            {
                if (_snapshots.EventConfirmed()) RequestSnapshot();
            });
            _settings.Metrics.RecordCircuit(_id, _health.Circuit);
        }
        if (_snapshots.OutcomeCounted(Stopwatch.GetTimestamp())) RequestSnapshot();
        _publisher?.Publish(force: events.Count > 0);
    }

    private void RequestSnapshot()
    {
        if (_snapshots.TryTake(Stopwatch.GetTimestamp())) SaveSnapshot(_health.ToSnapshot());
    }
}
