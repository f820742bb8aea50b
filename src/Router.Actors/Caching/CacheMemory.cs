namespace Router.Actors.Caching;

/// <summary>
/// The bytes this node's cache buckets hold, least recently used first: adding past the node's budget evicts the
/// oldest answers, whichever bucket holds them (the caller tells each owner to drop its keys).
/// </summary>
public sealed class CacheMemory(long maxBytes)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Item> _recency = new(); // most recently used first
    private readonly Dictionary<(object Owner, string Key), LinkedListNode<Item>> _items = new();
    private long _bytes;

    public long MaxBytes => maxBytes;

    public long Bytes
    {
        get { lock (_lock) return _bytes; }
    }

    public int Count
    {
        get { lock (_lock) return _items.Count; }
    }

    /// <summary>
    /// Accounts an answer of <paramref name="bytes"/>; returns what must go to stay within the budget, oldest first
    /// (the answer itself when it alone is larger than the budget).
    /// </summary>
    public IReadOnlyList<(object Owner, string Key)> Add(object owner, string key, long bytes)
    {
        if (bytes > maxBytes) return [(owner, key)];
        lock (_lock)
        {
            RemoveLocked(owner, key);
            _items[(owner, key)] = _recency.AddFirst(new Item(owner, key, bytes));
            _bytes += bytes;
            var evicted = new List<(object, string)>();
            while (_bytes > maxBytes && _recency.Last is { } oldest)
            {
                evicted.Add((oldest.Value.Owner, oldest.Value.Key));
                RemoveLocked(oldest.Value.Owner, oldest.Value.Key);
            }
            return evicted;
        }
    }

    public void Touch(object owner, string key)
    {
        lock (_lock)
        {
            if (!_items.TryGetValue((owner, key), out var node)) return;
            _recency.Remove(node);
            _recency.AddFirst(node);
        }
    }

    public void Remove(object owner, string key)
    {
        lock (_lock) RemoveLocked(owner, key);
    }

    private void RemoveLocked(object owner, string key)
    {
        if (!_items.Remove((owner, key), out var node)) return;
        _recency.Remove(node);
        _bytes -= node.Value.Bytes;
    }

    private sealed record Item(object Owner, string Key, long Bytes);
}
