namespace Router.Tests.Support;

/// <summary>The HOCON actor tests put over <see cref="TestActorSystems"/> (the serializer comes from the node's own registration).</summary>
public static class AkkaConfigs
{
    /// <summary>Local actors with in-memory persistence that still serializes every event and snapshot.</summary>
    public const string Local = """
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
