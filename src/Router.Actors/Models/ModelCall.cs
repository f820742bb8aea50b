using System.Diagnostics;
using Akka.Actor;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Models;

/// <summary>One admitted call in flight on a model actor.</summary>
internal sealed class InFlightCall(IActorRef replyTo, bool isProbe, Activity? span = null)
{
    /// <summary>The call's span (null when not traced); ended by the actor when the call ends.</summary>
    public Activity? Span { get; } = span;

    public IActorRef ReplyTo { get; } = replyTo;
    public CancellationTokenSource Cancellation { get; } = new();
    public bool IsProbe { get; } = isProbe;
    public long Started { get; } = Stopwatch.GetTimestamp();
    public double? FirstTokenMs { get; set; }
    public UpstreamTail? Tail { get; set; }
}

/// <summary>
/// The upstream work of an admitted call, run off the model actor; its outcome comes back to the actor as one of
/// these messages. Only an upstream outcome (an <see cref="OpenRouterException"/>) is the model's: anything else
/// failed before or around the call, in Router, and is <see cref="Refused"/>, which leaves the model's health alone.
/// </summary>
internal static class ModelCall
{
    /// <summary>A completion answered (the requester already has it).</summary>
    public sealed record Succeeded(string AttemptId, double LatencyMs, int? CompletionTokens);
    public sealed record Failed(string AttemptId, UpstreamError Error);
    public sealed record Cancelled(string AttemptId);
    public sealed record Refused(string AttemptId, UpstreamError Error, Exception? Cause);
    /// <summary>A stream's first content chunk (and any before it) is in hand.</summary>
    public sealed record HeadReady(string AttemptId, List<UpstreamChunk> Head, IAsyncEnumerator<UpstreamChunk> Rest, double FirstTokenMs);

    public static async Task<object> CompleteAsync(OpenRouterClient client, ModelId model, CallModel cmd, InFlightCall call, bool traceContent)
    {
        var response = await client.CompleteAsync(ForUpstream(cmd.Request, model), call.Cancellation.Token);
        CallTrace.Answered(call.Span, response, traceContent);
        var latency = Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds;
        // The answer goes out at once; the actor counts the success when it hears of it (one hop less per request).
        call.ReplyTo.Tell(new Completed(cmd.AttemptId, model, response, latency));
        return new Succeeded(cmd.AttemptId, latency, response.Usage?.CompletionTokens);
    }

    /// <summary>Reads up to the first content chunk; the rest is handed out with it.</summary>
    public static async Task<object> OpenStreamAsync(OpenRouterClient client, ModelId model, StartStream cmd, InFlightCall call)
    {
        var chunks = client.StreamAsync(ForUpstream(cmd.Request, model), call.Cancellation.Token);
        var enumerator = chunks.GetAsyncEnumerator(call.Cancellation.Token);
        var head = new List<UpstreamChunk>();
        try
        {
            while (await enumerator.MoveNextAsync())
            {
                head.Add(enumerator.Current);
                if (enumerator.Current.HasContent)
                    return new HeadReady(cmd.AttemptId, head, enumerator, Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds);
            }
            // A stream with no text and no finish reason answered nothing, as a plain answer without choices does.
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.InvalidResponse,
                "Invalid response from OpenRouter: the stream ended without content", null, model.Value));
        }
        catch
        {
            await enumerator.DisposeAsync();
            throw;
        }
    }

    /// <summary>The request as one model receives it: that model alone, and none of Router's own fields.</summary>
    private static ChatCompletionRequest ForUpstream(ChatCompletionRequest request, ModelId model) =>
        request with { Model = model.Value, Models = null, RouterOptions = null };

    /// <summary>Runs <paramref name="work"/> (until its first await, here) and pipes its outcome to <paramref name="actor"/>.</summary>
    /// <remarks>The work starts with the call's span current, so the HTTP calls it makes are children of it.</remarks>
    public static void Run(Func<Task<object>> work, InFlightCall call, string attemptId, ModelId model, IActorRef actor)
    {
        Task<object> task;
        try
        {
            task = RouterTracing.Within(call.Span, work);
        }
        catch (Exception e)
        {
            task = Task.FromException<object>(e);
        }
        task.ContinueWith(t => Outcome(t, attemptId, model), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
            .PipeTo(actor);
    }

    private static object Outcome(Task<object> task, string attemptId, ModelId model) => task.Status switch
    {
        TaskStatus.RanToCompletion => task.Result,
        TaskStatus.Canceled => new Cancelled(attemptId),
        _ => task.Exception!.GetBaseException() switch
        {
            OperationCanceledException => new Cancelled(attemptId),
            var e => ErrorClassifier.FromException(e, model.Value) switch
            {
                (var error, FromUpstream: true) => new Failed(attemptId, error),
                (var error, _) => new Refused(attemptId, error, error.Kind == UpstreamErrorKind.Internal ? e : null),
            },
        },
    };
}
