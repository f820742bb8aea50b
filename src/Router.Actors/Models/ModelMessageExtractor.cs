using Akka.Cluster.Sharding;
using Router.Contracts.Messages;

namespace Router.Actors.Models;

/// <summary>Routes <see cref="IWithModelId"/> messages to the model's entity; unknown messages get no entity.</summary>
public sealed class ModelMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 100;

    public override string? EntityId(object message) => message switch
    {
        IWithModelId m => m.ModelId.Value,
        _ => null,
    };

    public override object EntityMessage(object message) => message;
}
