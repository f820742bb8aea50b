using Router.Contracts.Messages;

namespace Router.Actors.Caching;

/// <summary>
/// One cache bucket's state, without actors: answers by key with their age limit, and the requests in flight for a
/// key with the requesters waiting on them. <typeparamref name="TWaiter"/> is whoever gets answered (an actor).
/// Each decision returns who gets what; the actor only sends it.
/// </summary>
public sealed class CacheBucket<TWaiter>(TimeSpan ttl, int maxWaiters) where TWaiter : notnull
{
    private readonly Dictionary<string, CachedAnswer> _answers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Flight> _flights = new(StringComparer.Ordinal);

    public int Count => _answers.Count;

    public IEnumerable<KeyValuePair<string, CachedAnswer>> Entries => _answers;

    public int InFlight => _flights.Count;

    public abstract record Outcome
    {
        public sealed record Hit(CachedAnswer Answer) : Outcome;
        public sealed record Lead : Outcome;
        public sealed record Wait : Outcome;
        public sealed record Busy : Outcome;

        /// <summary>The answer is streaming: join <paramref name="Stream"/> for the chunks so far and the rest live.</summary>
        public sealed record Follow(TWaiter Stream) : Outcome;
    }

    /// <param name="stream">The asker wants a stream: it can follow a streaming leader's chunks live.</param>
    public Outcome Get(string key, TimeSpan? maxAge, TWaiter asker, DateTimeOffset now, bool stream = false)
    {
        if (_answers.TryGetValue(key, out var answer))
        {
            var age = now - answer.StoredAt;
            if (age >= ttl) _answers.Remove(key);
            else if (maxAge is null || age <= maxAge) return new Outcome.Hit(answer);
        }
        if (!_flights.TryGetValue(key, out var flight))
        {
            _flights[key] = new Flight(asker, now);
            return new Outcome.Lead();
        }
        if (stream && flight.Stream is { } streaming) return new Outcome.Follow(streaming);
        if (flight.Waiters.Count >= maxWaiters) return new Outcome.Busy();
        flight.Waiters.Add(new Waiter(asker, stream));
        return new Outcome.Wait();
    }

    /// <summary>
    /// The leader's answer is streaming from <paramref name="stream"/>: askers for a stream follow it from now on, and
    /// those waiting for one are returned to be sent to it; the others wait for the stored answer. Empty, and the
    /// stream not registered, when the key has no flight (its lead was handed on meanwhile).
    /// </summary>
    public IReadOnlyList<TWaiter> Open(string key, TWaiter stream, DateTimeOffset now)
    {
        if (!_flights.TryGetValue(key, out var flight)) return [];
        var followers = flight.Waiters.Where(w => w.Stream).Select(w => w.Asker).ToList();
        flight.Waiters.RemoveAll(w => w.Stream);
        _flights[key] = flight with { Stream = stream, Since = now };
        return followers;
    }

    /// <summary>Stores the answer; the waiters of its flight get it.</summary>
    public IReadOnlyList<TWaiter> Put(string key, CachedAnswer answer)
    {
        _answers[key] = answer;
        return _flights.Remove(key, out var flight) ? flight.Waiters.Select(w => w.Asker).ToList() : [];
    }

    /// <summary>
    /// The leader gave up: the first waiter leads now (the others keep waiting); null when nobody waits. A streaming
    /// flight's lead is released only by its stream (<paramref name="by"/>), when it ended without storing its answer
    /// (cut, failed, its node gone).
    /// </summary>
    public TWaiter? Release(string key, DateTimeOffset now, TWaiter? by = default)
    {
        if (!_flights.TryGetValue(key, out var flight)) return default;
        if (flight.Stream is { } stream && !EqualityComparer<TWaiter>.Default.Equals(stream, by)) return default;
        if (flight.Waiters.Count == 0)
        {
            _flights.Remove(key);
            return default;
        }
        var next = flight.Waiters[0].Asker;
        flight.Waiters.RemoveAt(0);
        _flights[key] = flight with { Leader = next, Since = now, Stream = default };
        return next;
    }

    /// <summary>
    /// A requester went away: it stops waiting, or, when it leads, hands the lead on (<see cref="Release"/>). Returns
    /// the new leader, if any.
    /// </summary>
    public TWaiter? Leave(string key, Predicate<TWaiter> isLeaving, DateTimeOffset now)
    {
        if (!_flights.TryGetValue(key, out var flight)) return default;
        if (isLeaving(flight.Leader)) return Release(key, now); // a stream goes on for its followers: not released
        flight.Waiters.RemoveAll(w => isLeaving(w.Asker));
        return default;
    }

    /// <summary>
    /// Flights whose leader has been silent past <paramref name="timeout"/> (its node died): their keys. A streaming
    /// flight is not timed: its stream is watched instead (<see cref="Release"/> by it), and may rightly run long.
    /// </summary>
    public IReadOnlyList<string> Stalled(DateTimeOffset now, TimeSpan timeout) =>
        _flights.Where(f => f.Value.Stream is null && now - f.Value.Since >= timeout).Select(f => f.Key).ToList();

    public bool Evict(string key) => _answers.Remove(key);

    /// <summary>Every answer; removed (flights go on).</summary>
    public IReadOnlyList<string> Clear()
    {
        var keys = _answers.Keys.ToList();
        _answers.Clear();
        return keys;
    }

    /// <summary>Answers past their time; removed.</summary>
    public IReadOnlyList<string> Expire(DateTimeOffset now)
    {
        var expired = _answers.Where(a => now - a.Value.StoredAt >= ttl).Select(a => a.Key).ToList();
        foreach (var key in expired) _answers.Remove(key);
        return expired;
    }

    private sealed record Flight(TWaiter Leader, DateTimeOffset Since)
    {
        public List<Waiter> Waiters { get; } = [];

        /// <summary>Where the leader's answer streams from, once it streams.</summary>
        public TWaiter? Stream { get; init; }
    }

    private sealed record Waiter(TWaiter Asker, bool Stream);
}
