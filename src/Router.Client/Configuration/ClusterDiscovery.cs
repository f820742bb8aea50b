namespace Router.Client.Configuration;

/// <summary>How a node finds the others (ROUTER_DISCOVERY).</summary>
public enum DiscoveryMethod
{
    /// <summary>ROUTER_SEED_NODES, or the node seeds itself.</summary>
    Seeds,

    /// <summary>Akka.Discovery over a fixed list of the nodes' remoting endpoints (local runs, compose).</summary>
    Config,

    /// <summary>Akka.Discovery over the Kubernetes API: the pods matching a label selector.</summary>
    Kubernetes,
}

/// <summary>
/// Cluster formation without a hand-picked seed: a node looks the others up through Akka.Discovery until at least
/// <see cref="RequiredContactPoints"/> are found and the set has held still for <see cref="StableMargin"/>, then
/// joins them as seeds in one order every node computes alike, so nodes started together form one cluster.
/// </summary>
public sealed record ClusterDiscovery
{
    public DiscoveryMethod Method { get; init; } = DiscoveryMethod.Seeds;

    /// <summary>ROUTER_DISCOVERY_SERVICE: the service the nodes are looked up as (and the pods' <c>app</c> label).</summary>
    public string ServiceName { get; init; } = "router";

    /// <summary>ROUTER_DISCOVERY_ENDPOINTS (config): every node's remoting endpoint, <c>host:port</c>, as each node names itself (ROUTER_HOSTNAME:ROUTER_PORT).</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = [];

    /// <summary>ROUTER_REQUIRED_CONTACT_POINTS: how many nodes must be found before this node joins (or forms) the cluster.</summary>
    public int RequiredContactPoints { get; init; } = 2;

    /// <summary>ROUTER_DISCOVERY_STABLE_MARGIN: how long the set found must hold still first.</summary>
    public TimeSpan StableMargin { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>ROUTER_K8S_POD_LABEL_SELECTOR: the pods that are nodes; <c>{0}</c> is the service name.</summary>
    public string PodLabelSelector { get; init; } = "app={0}";

    /// <summary>ROUTER_K8S_NAMESPACE: where the pods are looked up; empty: the pod's own namespace.</summary>
    public string KubernetesNamespace { get; init; } = "";

    /// <summary>ROUTER_K8S_API_URL: the API server; empty: the one a pod reaches with its service account (else e.g. kubectl proxy's).</summary>
    public string KubernetesApiUrl { get; init; } = "";

    public bool UsesDiscovery => Method != DiscoveryMethod.Seeds;
}
