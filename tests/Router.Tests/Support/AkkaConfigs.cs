namespace Router.Tests.Support;

public static class AkkaConfigs
{
    /// <summary>Router's serializer bound as in production, so tests exercise it.</summary>
    public const string Serializer = """
        akka.actor {
          serializers.router = "Router.Contracts.Serialization.RouterSerializer, Router.Contracts"
          serialization-bindings { "Router.Contracts.Messages.IRouterMessage, Router.Contracts" = router }
          serialization-identifiers { "Router.Contracts.Serialization.RouterSerializer, Router.Contracts" = 7301 }
        }
        """;

    /// <summary>Local actors with in-memory persistence that still serializes every event and snapshot.</summary>
    public const string Local = Serializer + "\n" + """
        akka.loglevel = INFO
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.actor.serialize-messages = off
        """;

    /// <summary>A one-node cluster on a free port (for pub-sub and singletons).</summary>
    public const string Cluster = Local + "\n" + """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        """;
}
