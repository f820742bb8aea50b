namespace Router.Client.Configuration;

internal sealed partial class SettingsReader
{
    private ClusterDiscovery Discovery(IReadOnlyList<string> seeds)
    {
        var method = Text("ROUTER_DISCOVERY")?.ToLowerInvariant() switch
        {
            null or "seeds" => DiscoveryMethod.Seeds,
            "config" => DiscoveryMethod.Config,
            "kubernetes" => DiscoveryMethod.Kubernetes,
            var other => Unknown(other),
        };
        if (method == DiscoveryMethod.Seeds) return new ClusterDiscovery();
        if (seeds.Count > 0)
            _problems.Add($"ROUTER_SEED_NODES: set together with ROUTER_DISCOVERY={method.ToString().ToLowerInvariant()}; a node forms its cluster one way: unset one of them");

        var endpoints = List("ROUTER_DISCOVERY_ENDPOINTS");
        if (method == DiscoveryMethod.Config && endpoints.Count == 0)
            _problems.Add("ROUTER_DISCOVERY_ENDPOINTS: needed with ROUTER_DISCOVERY=config: every node's remoting endpoint as host:port, comma-separated (e.g. router-1:4053,router-2:4053)");
        foreach (var endpoint in endpoints.Where(e => !IsHostAndPort(e)))
            _problems.Add($"ROUTER_DISCOVERY_ENDPOINTS: '{endpoint}' is not host:port");

        var required = Int("ROUTER_REQUIRED_CONTACT_POINTS", method == DiscoveryMethod.Config ? Math.Max(1, endpoints.Count) : 2, min: 1, max: 1000);
        if (method == DiscoveryMethod.Config && endpoints.Count > 0 && required > endpoints.Count)
            _problems.Add($"ROUTER_REQUIRED_CONTACT_POINTS: {required} is more than the {endpoints.Count} endpoints of ROUTER_DISCOVERY_ENDPOINTS; no cluster could ever form");
        return new ClusterDiscovery
        {
            Method = method,
            ServiceName = Text("ROUTER_DISCOVERY_SERVICE") ?? "router",
            Endpoints = endpoints,
            RequiredContactPoints = required,
            StableMargin = Seconds("ROUTER_DISCOVERY_STABLE_MARGIN", 5, allowZero: true),
            PodLabelSelector = Text("ROUTER_K8S_POD_LABEL_SELECTOR") ?? "app={0}",
            KubernetesNamespace = Text("ROUTER_K8S_NAMESPACE") ?? "",
            KubernetesApiUrl = Text("ROUTER_K8S_API_URL") is { } url ? HttpUrl("ROUTER_K8S_API_URL", url) : "",
        };
    }

    private DiscoveryMethod Unknown(string value)
    {
        _problems.Add($"ROUTER_DISCOVERY: '{value}' is not one of seeds, config, kubernetes");
        return DiscoveryMethod.Seeds;
    }

    private static bool IsHostAndPort(string text) =>
        text.LastIndexOf(':') is > 0 and var colon && colon < text.Length - 1
        && int.TryParse(text[(colon + 1)..], out var port) && port is > 0 and <= 65535;
}
