using System.Collections.Concurrent;
using Router.Contracts;

namespace Router.Actors.Routing;

/// <summary>
/// This node's view of which models are resting (open circuit, cooldown) and until when, learnt from the model
/// actors' answers, so coordinators skip them without a round trip. The model actors stay the truth: a stale entry
/// costs one rejected attempt at most.
/// </summary>
public sealed class ModelHealthBoard
{
    private readonly ConcurrentDictionary<ModelId, Entry> _blocked = new();

    // Where each model's actor last said it lives (from its health publications; bounded by the catalog).
    private readonly ConcurrentDictionary<ModelId, string> _nodes = new();

    public void HostedOn(ModelId model, string node) => _nodes[model] = node;

    /// <summary>
    /// Blocks <paramref name="model"/> and every model whose actor lives on the same node: when one of them cannot be
    /// reached, its node is likely gone, and each of the others would cost a request the same wait to find out.
    /// </summary>
    public void BlockNodeOf(ModelId model, DateTimeOffset until)
    {
        Block(model, until);
        if (!_nodes.TryGetValue(model, out var node)) return;
        foreach (var (other, host) in _nodes)
            if (host == node) Block(other, until);
    }

    public void Block(ModelId model, DateTimeOffset until, bool rateLimited = false) =>
        _blocked.AddOrUpdate(model, new Entry(until, rateLimited), (_, current) => until > current.Until ? new Entry(until, rateLimited) : current);

    public void Clear(ModelId model) => _blocked.TryRemove(model, out _);

    public DateTimeOffset? BlockedUntil(ModelId model, DateTimeOffset now)
    {
        if (!_blocked.TryGetValue(model, out var entry)) return null;
        if (entry.Until > now) return entry.Until;
        _blocked.TryRemove(KeyValuePair.Create(model, entry));
        return null;
    }

    /// <summary>Whether the model's current rest is a rate limit (as opposed to an open circuit or a missing model).</summary>
    public bool IsRateLimited(ModelId model) => _blocked.TryGetValue(model, out var entry) && entry.RateLimited;

    private sealed record Entry(DateTimeOffset Until, bool RateLimited);
}
