using System.Collections.Concurrent;
using System.Text.Json;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.FakeOpenRouter;

/// <summary>Per-model behaviours and a record of the calls received; shared by the endpoints and the tests.</summary>
public sealed class FakeScript
{
    private readonly ConcurrentDictionary<string, FakeBehavior> _behaviors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _activeStreams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<long>> _callTimes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _connections = new(StringComparer.Ordinal);
    private int _totalCalls;
    private int _cancelledCalls;

    private volatile CatalogSnapshot _catalog = new([], new HashSet<string>(), "{\"data\":[]}"u8.ToArray());

    public FakeBehavior Default { get; set; } = FakeBehavior.Ok;

    /// <summary>When set, <c>GET /models</c> fails with this status (to exercise catalog refresh failures).</summary>
    public int? ModelsStatusCode { get; set; }

    public IReadOnlyList<ModelInfo> Catalog => _catalog.Models;
    public bool IsKnownModel(string id) => _catalog.Ids.Contains(id);
    internal byte[] CatalogJson => _catalog.Json;

    public void SetCatalog(IReadOnlyList<ModelInfo> models) =>
        _catalog = new CatalogSnapshot(models, models.Select(m => m.Id).ToHashSet(StringComparer.Ordinal),
            JsonSerializer.SerializeToUtf8Bytes(new ModelList(models), RouterJsonContext.Default.ModelList));

    private sealed record CatalogSnapshot(IReadOnlyList<ModelInfo> Models, HashSet<string> Ids, byte[] Json);

    public void Set(string model, FakeBehavior behavior) => _behaviors[model] = behavior;

    public FakeBehavior For(string model) => _behaviors.TryGetValue(model, out var b) ? b : Default;

    public IReadOnlyDictionary<string, FakeBehavior> Behaviors => _behaviors;

    /// <summary>Counts a chat call and returns its 1-based number for that model.</summary>
    public int RecordCall(string model)
    {
        Interlocked.Increment(ref _totalCalls);
        _callTimes.GetOrAdd(model, _ => new ConcurrentQueue<long>()).Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
        return _calls.AddOrUpdate(model, 1, (_, n) => n + 1);
    }

    public int CallsTo(string model) => _calls.TryGetValue(model, out var n) ? n : 0;
    public int TotalCalls => Volatile.Read(ref _totalCalls);
    public IReadOnlyDictionary<string, int> Calls => _calls;

    /// <summary>The gaps between consecutive calls to a model (for checking retry backoff).</summary>
    public IReadOnlyList<TimeSpan> GapsBetweenCalls(string model)
    {
        var times = _callTimes.TryGetValue(model, out var q) ? q.ToArray() : [];
        return times.Zip(times.Skip(1), (a, b) => System.Diagnostics.Stopwatch.GetElapsedTime(a, b)).ToList();
    }

    /// <summary>Calls whose client went away before the fake finished answering.</summary>
    public int CancelledCalls => Volatile.Read(ref _cancelledCalls);
    internal void RecordCancelled() => Interlocked.Increment(ref _cancelledCalls);

    public int ActiveStreams(string model) => _activeStreams.TryGetValue(model, out var n) ? n : 0;
    internal void StreamStarted(string model) => _activeStreams.AddOrUpdate(model, 1, (_, n) => n + 1);
    internal void StreamEnded(string model) => _activeStreams.AddOrUpdate(model, 0, (_, n) => n - 1);

    /// <summary>Headers of the most recent chat call (for checking what a client sends).</summary>
    public IReadOnlyDictionary<string, string> LastHeaders { get; internal set; } = new Dictionary<string, string>();

    /// <summary>The body of the most recent chat call, as received.</summary>
    public ReadOnlyMemory<byte> LastBody { get; internal set; }

    /// <summary>The HTTP version of the most recent chat call, e.g. "HTTP/2".</summary>
    public string LastProtocol { get; internal set; } = "";

    /// <summary>How many connections chat calls have come on (HTTP/2 carries many calls on one).</summary>
    public int ChatConnections => _connections.Count;
    internal void RecordConnection(string connectionId) => _connections.TryAdd(connectionId, 0);

    public void Reset()
    {
        _behaviors.Clear();
        _calls.Clear();
        _activeStreams.Clear();
        _callTimes.Clear();
        _connections.Clear();
        Interlocked.Exchange(ref _totalCalls, 0);
        Interlocked.Exchange(ref _cancelledCalls, 0);
        Default = FakeBehavior.Ok;
        ModelsStatusCode = null;
    }
}
