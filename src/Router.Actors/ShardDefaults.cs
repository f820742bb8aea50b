using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;

namespace Router.Actors;

/// <summary>The sharding settings of Router's entity types (models, quotas), in one place.</summary>
public static class ShardDefaults
{
    /// <summary>
    /// Entities on <paramref name="role"/> nodes, not remembered (each one's state is in its journal, and an idle one
    /// costs nothing until asked for), shard locations in distributed data, no idle passivation by the region (model
    /// actors passivate themselves once idle with no call in flight; quota counters live for their day).
    /// </summary>
    public static ShardOptions For(string role, object? handOffStopMessage = null) => new()
    {
        Role = role,
        RememberEntities = false,
        StateStoreMode = StateStoreMode.DData,
        PassivateIdleEntityAfter = TimeSpan.Zero,
        HandOffStopMessage = handOffStopMessage,
    };
}
