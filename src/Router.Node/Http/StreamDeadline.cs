namespace Router.Node.Http;

/// <summary>Cancelled when the client goes away, or <c>drain</c> after the node starts stopping.</summary>
internal sealed class StreamDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration _stopping;

    public StreamDeadline(CancellationToken clientGone, CancellationToken stopping, TimeSpan drain)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(clientGone);
        _stopping = stopping.Register(() => _source.CancelAfter(drain));
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        _stopping.Dispose(); // waits for a callback under way, so the source is not used once disposed
        _source.Dispose();
    }
}
