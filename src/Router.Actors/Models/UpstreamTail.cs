using System.Runtime.CompilerServices;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Models;

/// <summary>
/// An upstream stream handed out after its first content chunk: the chunks already read, then the rest as it comes.
/// Ends exactly once, and the model actor hears of it through <c>ended</c>: read to the end (an error after the first
/// token becomes a final <see cref="StreamFault"/>), cut by its consumer (the call is cancelled), or abandoned unread
/// because its consumer never came.
/// </summary>
internal sealed class UpstreamTail(
    IReadOnlyList<UpstreamChunk> head,
    IAsyncEnumerator<UpstreamChunk> rest,
    CancellationTokenSource call,
    Action<UpstreamTail.End> ended)
{
    private const int Unclaimed = 0, Reading = 1, Abandoned = 2;
    private int _state = Unclaimed;

    /// <summary>Whether a consumer has started reading.</summary>
    public bool Claimed => Volatile.Read(ref _state) == Reading;

    /// <summary>One read of the stream; Akka.Streams cancels <paramref name="ct"/> when the consumer cancels.</summary>
    public async IAsyncEnumerable<StreamItem> ReadAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref _state, Reading, Unclaimed) != Unclaimed) yield break;
        UpstreamError? error = null;
        var fromUpstream = true;
        var cancelled = true; // until the loop ends by itself
        int? completionTokens = null;
        using var cut = ct.Register(CancelCall);
        try
        {
            foreach (var chunk in head)
                yield return new StreamChunk(chunk);
            while (true)
            {
                bool hasNext;
                try
                {
                    hasNext = await rest.MoveNextAsync();
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (Exception e)
                {
                    (error, fromUpstream) = ErrorClassifier.FromException(e, null);
                    hasNext = false;
                }
                if (!hasNext)
                {
                    cancelled = false;
                    break;
                }
                if (rest.Current.Chunk.Usage is { } usage) completionTokens = usage.CompletionTokens;
                yield return new StreamChunk(rest.Current);
            }
            if (error is not null)
                yield return new StreamFault(error);
        }
        finally
        {
            await rest.DisposeAsync();
            ended(new End(error, cancelled, fromUpstream, completionTokens));
        }
    }

    /// <summary>
    /// How the stream ended: an error (the upstream's, or not), cancelled by its consumer, or read to its end; with the
    /// completion tokens of its usage chunk when it sent one.
    /// </summary>
    public sealed record End(UpstreamError? Error, bool Cancelled, bool FromUpstream = true, int? CompletionTokens = null);

    /// <summary>The requester gave up or never came: cancel the call; if nobody started reading, end it here.</summary>
    public void Abandon()
    {
        CancelCall();
        if (Interlocked.CompareExchange(ref _state, Abandoned, Unclaimed) == Unclaimed)
            _ = EndUnreadAsync();
    }

    private void CancelCall()
    {
        try
        {
            call.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call has ended and its model actor let go of it.
        }
    }

    private async Task EndUnreadAsync()
    {
        try
        {
            await rest.DisposeAsync();
        }
        finally
        {
            ended(new End(null, Cancelled: true));
        }
    }
}
