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
    private readonly ConcurrentDictionary<ModelId, DateTimeOffset> _blockedUntil = new();

    public void Block(ModelId model, DateTimeOffset until) =>
        _blockedUntil.AddOrUpdate(model, until, (_, current) => until > current ? until : current);

    public void Clear(ModelId model) => _blockedUntil.TryRemove(model, out _);

    public DateTimeOffset? BlockedUntil(ModelId model, DateTimeOffset now)
    {
        if (!_blockedUntil.TryGetValue(model, out var until)) return null;
        if (until > now) return until;
        _blockedUntil.TryRemove(KeyValuePair.Create(model, until));
        return null;
    }
}
