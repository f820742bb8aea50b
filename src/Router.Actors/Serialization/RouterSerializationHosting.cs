using Akka.Hosting;
using Router.Contracts.Messages;
using Router.Contracts.Serialization;

namespace Router.Actors.Serialization;

public static class RouterSerializationHosting
{
    public const string SerializerName = "router";

    /// <summary>Every Router message, remote or persisted, goes through <see cref="RouterSerializer"/>.</summary>
    public static AkkaConfigurationBuilder AddRouterSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer(SerializerName, [typeof(IRouterMessage)], system => new RouterSerializer(system));
}
